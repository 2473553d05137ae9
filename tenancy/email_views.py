"""An admin's deliberate resend of an email whose delivery is not confirmed."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from . import emails
from .access import company_admin_required
from .forms import holds_id
from .models import OutgoingEmail


@company_admin_required
@require_POST
def email_resend(request, company):
    # The scoped manager finds only this company's emails.
    email_id = request.POST.get("email", "")
    # isdigit() takes "²" for a digit: holds_id accepts ASCII digits within 64 bits only.
    email = get_object_or_404(OutgoingEmail.objects, pk=int(email_id) if holds_id(email_id) else 0)
    if emails.email_resend(email=email):
        messages.success(request, f"The email to {email.to} is on its way again.")
    else:
        messages.info(
            request, f"The email to {email.to} is {email.get_status_display().lower()}: not resent."
        )
    return redirect("email_log", company=company.slug)
