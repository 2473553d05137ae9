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
from .models import Invitation, Invoice

Status = Invitation.Status
BACKEND = "tenancy.backends.UserBackend"


@declare("public")
@login_not_required
@require_http_methods(["GET", "POST"])
def invitation(request, token):
    found = invitations.invitation_for_token(token)
    if found is None:
        return _unknown(request)
    with scope(company=found.contract.project.company):
        return _answer(request, found, token)


def _answer(request, invitation, token):
    yes = _how_to_say_yes(request.user, invitation)
    account_form = None
    if yes == "set_password":
        account_form = SetPasswordForm(
            User(email=invitation.email, full_name=invitation.contact.full_name)
        )
    if request.method == "POST":
        answer = request.POST.get("answer")
        try:
            if answer == "no":
                invitations.invitation_decline(invitation=invitation)
                return redirect(request.path)
            if answer == "yes" and yes == "set_password":
                account_form = SetPasswordForm(account_form.user, request.POST)
                if account_form.is_valid():
                    password = account_form.cleaned_data["new_password1"]
                    invoice, user = invitations.invitation_accept(
                        invitation=invitation, password=password
                    )
                    login(request, user, backend=BACKEND)
                    return _to_invoice(request, invoice)
            elif answer == "yes" and yes == "accept":
                invoice, _ = invitations.invitation_accept(invitation=invitation, user=request.user)
                return _to_invoice(request, invoice)
            elif answer == "yes":
                return redirect(_login_url(request))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(request.path)
    expired, revoked = invitations.is_expired(invitation), invitations.is_revoked(invitation)
    live = invitation.status == Status.INVITED and not (expired or revoked)
    context = {
        "invitation": invitation,
        "contract": invitation.contract,
        "expired": expired,
        "revoked": revoked,
        "yes": yes,
        "account_form": account_form,
        "login_url": _login_url(request),
        "new_link_url": reverse("invitation_new_link", kwargs={"token": token}),
        # Past the due date with no invoice to finish, Yes can do nothing: say whom to ask.
        "lockout": invitations.lockout(invitation) if live else "",
        "reopen_url": reverse("invitation_reopen", kwargs={"token": token}),
        "invoice": (
            invitation.contract.invoices.filter(period=invitation.period).first()
            if invitation.status == Status.ACCEPTED
            else None
        ),
    }
    if context["lockout"]:
        context["reopen_asked"] = invitations.reopen_requested_today(invitation)
    return render(
        request,
        "invoices/invitation.html",
        context,
        status=422 if request.method == "POST" else 200,
    )


def _how_to_say_yes(user, invitation):
    """Yes needs the contact's account: "accept" as the one logged in, "log_in" first,
    "set_password" to make the account, or "other_user" (someone else is logged in)."""
    account = invitations.account_for(invitation)
    if user.is_authenticated:
        return "accept" if account is not None and user.pk == account.pk else "other_user"
    return "log_in" if account is not None else "set_password"


def _login_url(request):
    return reverse("login") + "?" + urlencode({"next": request.path})


def _unknown(request):
    return render(request, "invoices/invitation.html", {"unknown": True}, status=404)


def _to_invoice(request, invoice):
    """To the invoice, saying what there is to do on it: an old invitation can open one
    that is already submitted or approved."""
    name = f"{invoice.title} of {invoice.contract.number}"
    if invoice.status == Invoice.Status.DRAFT:
        messages.success(request, f"{name} is yours to fill in.")
    elif invoice.status == Invoice.Status.REVISE_RESUBMIT:
        messages.success(request, f"{name} was sent back: revise it and resubmit.")
    else:
        messages.info(
            request,
            f"{name} for {invoice.period} is already "
            f"{invoice.get_status_display().lower()}: there is nothing to fill in.",
        )
    return redirect(invoice)


@declare("public")
@login_not_required
@require_POST
def invitation_new_link(request, token):
    """An expired or replaced link: its owner asks the inviter for a new one."""
    found = invitations.invitation_for_token(token)
    if found is None:
        return _unknown(request)
    with scope(company=found.contract.project.company):
        try:
            invitations.invitation_new_link_request(invitation=found)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Asked. A new link will come by email.")
    return redirect("invitation", token=token)


@declare("public")
@login_not_required
@require_POST
def invitation_reopen(request, token):
    """Past the due date with no invoice: the contact asks the inviter to reopen the
    period for their commitment (docs/periods.md)."""
    found = invitations.invitation_for_token(token)
    if found is None:
        return _unknown(request)
    with scope(company=found.contract.project.company):
        live = found.status == Status.INVITED and not (
            invitations.is_expired(found) or invitations.is_revoked(found)
        )
        try:
            if not live:
                raise ValidationError("This link no longer works.")
            asked = invitations.invitation_reopen_request(invitation=found)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if asked:
                messages.success(request, f"Asked {invitations.whom_to_ask(found)} by email.")
            else:
                messages.info(request, "You asked today already; you can ask again tomorrow.")
    return redirect("invitation", token=token)
