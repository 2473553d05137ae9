"""An admin's deliberate resend of an email whose delivery is not confirmed."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from . import emails
from .access import company_admin_required
from .models import OutgoingEmail


@company_admin_required
@require_POST
def email_resend(request, company):
    # The scoped manager finds only this company's emails.
    email_id = request.POST.get("email", "")
    email = get_object_or_404(OutgoingEmail.objects, pk=int(email_id) if email_id.isdigit() else 0)
    if emails.email_resend(email=email):
        messages.success(request, f"The email to {email.to} is on its way again.")
    else:
        messages.info(
            request, f"The email to {email.to} is {email.get_status_display().lower()}: not resent."
        )
    return redirect("email_log", company=company.slug)
