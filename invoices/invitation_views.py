"""The page an invitation's link opens: Yes, No, or why the link no longer works.

Public: the token is the credential, for this one invitation. Yes also needs the contact's
account (logged in, or made here by setting a password); No needs only the link.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_scopes import scope

from tenancy.access import declare
from tenancy.models import User

from . import invitations
from .models import Invitation

Status = Invitation.Status


@declare("public")
@login_not_required
@require_http_methods(["GET", "POST"])
def invitation(request, token):
    found = invitations.invitation_for_token(token)
    if found is None:
        return render(request, "invoices/invitation.html", {"unknown": True}, status=404)
    with scope(company=found.contract.project.company):
        return _answer(request, found, token)


def _answer(request, invitation, token):
    yes = _how_to_say_yes(request.user, invitation.contact)
    account_form = None
    if yes == "set_password":
        contact = invitation.contact
        account_form = SetPasswordForm(User(email=contact.email, full_name=contact.full_name))
    if request.method == "POST" and _is_open(invitation):
        answer = request.POST.get("answer")
        try:
            if answer == "no":
                invitations.invitation_decline(invitation=invitation)
                return redirect(request.path)
            if answer == "yes" and yes == "set_password":
                account_form = SetPasswordForm(account_form.user, request.POST)
                if account_form.is_valid():
                    return _accept_with_new_account(request, invitation, account_form)
            elif answer == "yes" and yes == "log_in":
                return redirect(reverse("login") + "?" + urlencode({"next": request.path}))
            elif answer == "yes" and yes == "accept":
                return _accept(request, invitation, request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(request.path)
    context = {
        "invitation": invitation,
        "contract": invitation.contract,
        "expired": invitations.is_expired(invitation),
        "yes": yes,
        "account_form": account_form,
        "login_url": reverse("login") + "?" + urlencode({"next": request.path}),
        "new_link_url": reverse("invitation_new_link", kwargs={"token": token}),
        "invoice": (
            invitation.contract.invoices.filter(period=invitation.period).first()
            if invitation.status == Status.ACCEPTED
            else None
        ),
    }
    return render(
        request,
        "invoices/invitation.html",
        context,
        status=422 if request.method == "POST" else 200,
    )


def _how_to_say_yes(user, contact):
    """Yes needs the contact's account: "accept" as the one logged in, "log_in" first,
    "set_password" to make the account, or "other_user" (someone else is logged in)."""
    if user.is_authenticated:
        is_contact = (
            user.pk == contact.user_id if contact.user_id else user.email == contact.email.lower()
        )
        return "accept" if is_contact else "other_user"
    return "log_in" if contact.user_id else "set_password"


def _is_open(invitation):
    return invitation.status == Status.INVITED and not invitations.is_expired(invitation)


def _accept_with_new_account(request, invitation, form):
    user = invitations.invitation_account_create(
        invitation=invitation, password=form.cleaned_data["new_password1"]
    )
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return _accept(request, invitation, user)


def _accept(request, invitation, user):
    invoice = invitations.invitation_accept(invitation=invitation, user=user)
    contract = invoice.contract
    messages.success(
        request, f"Invoice #{invoice.number} of {contract.number} is yours to fill in."
    )
    return redirect(
        "invoice_detail",
        company=contract.project.company.slug,
        project=contract.project_id,
        contract=contract.pk,
        invoice=invoice.pk,
    )


@declare("public")
@login_not_required
@require_POST
def invitation_new_link(request, token):
    """An expired link: its owner asks the inviter for a new one."""
    found = invitations.invitation_for_token(token)
    if found is None:
        return render(request, "invoices/invitation.html", {"unknown": True}, status=404)
    with scope(company=found.contract.project.company):
        invitations.invitation_new_link_request(invitation=found)
    messages.success(request, "Asked. A new link will come by email.")
    return redirect("invitation", token=token)
