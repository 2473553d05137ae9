"""Invitations to bill (docs/invite-to-bill.md): the invoice contacts of a commitment are
asked, by an emailed link, whether they bill the period. Yes opens their invoice; No is recorded.

The link is single-purpose (it answers one invitation: one contact, one commitment, one
period), expires, and is a random token stored only as its SHA-256.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from permissions.access import ProjectPermissions
from permissions.levels import Level, Tool
from permissions.models import ProjectUserObjectPermission
from permissions.services import project_member_set
from tenancy.emails import absolute_url, queue_email
from tenancy.models import Membership, User

from . import notices, services
from .events import Kind, event_record
from .models import DueDateExtension, Invitation, Invoice, ReopenRequest

Status = Invitation.Status


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invite_to_bill(*, contracts, period, acting_user, message=""):
    """Invite the invoice contacts of each commitment to bill `period`, each by email.

    A commitment that cannot be invoiced for the period, or has no contact to write to, is
    refused with a message; the others are invited. Inviting again sends a new link and
    kills the old one. The period's invoice, when there is one already, records who invited
    its contacts. The result: how many contacts were invited, and the refusals.
    """
    invited, refused = 0, []
    for contract in contracts:
        try:
            invited += _invite(contract, period, acting_user, message.strip())
        except ValidationError as error:
            refused += error.messages
    return invited, refused


def _invite(contract, period, acting_user, message):
    if not contract.is_commitment:
        raise ValidationError(f"{contract} is a client contract: its invoice is the company's.")
    if not period.is_open:
        raise ValidationError(f"{period} is closed: invitations go out for the open period.")
    existing = contract.invoices.filter(period=period).first()
    if existing is None:
        if is_past_due(period, contract):
            # The contacts could open the link but not start the invoice it asks for.
            raise ValidationError(
                f"{contract}: {period} was due on {_day(due_date_for(period, contract))}, so "
                "its contacts "
                "can no longer start an invoice. Create it on their behalf, then invite them "
                "to complete it."
            )
        services.check_can_invoice(contract, period, services.latest_invoice(contract))
    elif existing.is_editable:
        # A Draft or a Revise & Resubmit invoice: the contacts are invited to complete it.
        services.check_can_invoice(contract, period, None)
    else:
        raise ValidationError(
            f"{contract}: {existing.title} for this period is "
            f"{existing.get_status_display().lower()}, so there is nothing left for its "
            "contacts to fill in."
        )
    contacts = [person for person in contract.invoice_contacts.all() if person.email]
    if not contacts:
        raise ValidationError(f"{contract} has no invoice contact with an email address.")
    # Links not yet answered are replaced: only the newest one works.
    contract.invitations.filter(period=period, status=Status.INVITED).update(status=Status.REVOKED)
    now = timezone.now()
    for contact in contacts:
        token = secrets.token_urlsafe(32)
        invitation = Invitation.objects.create(
            contract=contract,
            period=period,
            contact=contact,
            email=contact.email.lower(),
            token_hash=_digest(token),
            message=message,
            invited_by=acting_user,
            invited_at=now,
            expires_at=now + timedelta(days=settings.INVITATION_DAYS),
        )
        _email_invitation(invitation, token)
    if existing is not None:
        event_record(
            existing,
            Kind.INVITED,
            acting_user=acting_user,
            detail=", ".join(contact.full_name or contact.email for contact in contacts),
        )
    return len(contacts)


def _email_invitation(invitation, token):
    contract = invitation.contract
    queue_email(
        to=invitation.contact.email,
        subject_template="invoices/emails/invitation_subject.txt",
        body_template="invoices/emails/invitation.txt",
        company=contract.project.company,
        context={
            "invitation": invitation,
            "contract": contract,
            "project": contract.project,
            "invoice_type": Invoice.Type.PROGRESS.label,
            "link": absolute_url(reverse("invitation", kwargs={"token": token})),
        },
    )


def due_date_for(period, contract=None):
    """The last day the commitment's contacts may start the period's invoice: the
    period's due date, or the later one an admin gave this one commitment (docs/periods.md,
    extending the due date)."""
    if contract is not None:
        extension = DueDateExtension.objects.filter(contract=contract, period=period).first()
        if extension is not None:
            return extension.due_date
    return period.due_date


def is_past_due(period, contract=None):
    """After the due date (the last day to submit) contacts start no new invoice for the
    period (docs/periods.md); they may still finish one that exists, and admins may create one.
    With `contract`, its extension, if it has one, counts instead."""
    return timezone.localdate() > due_date_for(period, contract)


def _day(day):
    return f"{day:%b} {day.day}, {day.year}"


def check_contact_may_start(period, *, ask, contract=None):
    """Refuse a contact starting an invoice for `period` after its due date (the
    commitment's extended one, given `contract`); `ask` says who can start it for them."""
    due = due_date_for(period, contract)
    if timezone.localdate() > due:
        extended = " (extended)" if due != period.due_date else ""
        raise ValidationError(
            f"{period} was due on {_day(due)}{extended}: invoice contacts can no longer "
            f"start an invoice for it. Ask {ask} to start it for you."
        )


def whom_to_ask(invitation):
    """Who can do for the contact what the link no longer can: the inviter, or the
    company's admins."""
    inviter = invitation.invited_by
    if inviter is not None and inviter.is_active:
        return f"{inviter} ({inviter.email})" if inviter.full_name else inviter.email
    return f"the admins of {invitation.contract.project.company.name}"


def lockout(invitation):
    """Why Yes can no longer start the invoice (the period is past due and has none), or
    an empty string."""
    if invitation.contract.invoices.filter(period=invitation.period).exists():
        return ""
    try:
        check_contact_may_start(
            invitation.period, ask=whom_to_ask(invitation), contract=invitation.contract
        )
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


@transaction.atomic
def invitation_reopen_request(*, invitation):
    """A contact refused after the due date asks to reopen the period for their
    commitment: the inviter (or, without one, the company's admins) is emailed, at most
    once a day per contact, commitment and period (docs/periods.md). The result: whether
    they were emailed now (False: asked today already)."""
    if not lockout(invitation):
        raise ValidationError("The invoice can be started: answer Yes.")
    try:
        with transaction.atomic():
            ReopenRequest.objects.create(
                contract=invitation.contract,
                period=invitation.period,
                contact=invitation.contact,
                requested_on=timezone.localdate(),
            )
    except IntegrityError:  # reopen_request_once_a_day: asked today already
        return False
    contract = invitation.contract
    link = absolute_url(
        reverse(
            "due_date_extend",
            kwargs={
                "company": contract.project.company.slug,
                "project": contract.project_id,
                "contract": contract.pk,
                "period": invitation.period_id,
            },
        )
    )
    for email in _inviter_or_admins(invitation):
        queue_email(
            to=email,
            subject_template="invoices/emails/reopen_request_subject.txt",
            body_template="invoices/emails/reopen_request.txt",
            context={
                "invitation": invitation,
                "contract": contract,
                "due_date": due_date_for(invitation.period, contract),
                "link": link,
            },
            company=contract.project.company,
        )
    return True


def reopen_requested_today(invitation):
    return ReopenRequest.objects.filter(
        contract=invitation.contract_id,
        period=invitation.period_id,
        contact=invitation.contact_id,
        requested_on=timezone.localdate(),
    ).exists()


def _inviter_or_admins(invitation):
    """The addresses to tell what the contact asks: the inviter's, or the admins'."""
    if invitation.invited_by and invitation.invited_by.is_active:
        return [invitation.invited_by.email]
    return list(
        Membership.objects.filter(
            company=invitation.contract.project.company, is_admin=True, user__is_active=True
        ).values_list("user__email", flat=True)
    )


@transaction.atomic
def due_date_extend(*, contract, period, due_date, acting_user):
    """Give one commitment a later due date for `period` (docs/periods.md): its contacts
    may start the period's invoice until then; the other commitments keep the period's.
    Extending again replaces the date."""
    errors = {}
    if not contract.is_commitment:
        errors["due_date"] = f"{contract} is a client contract: only commitments have contacts."
    elif due_date <= period.due_date:
        errors["due_date"] = (
            f"The new due date must be after the period's, {_day(period.due_date)}."
        )
    if errors:
        raise ValidationError(errors)
    extension, _ = DueDateExtension.objects.update_or_create(
        contract=contract,
        period=period,
        defaults={"due_date": due_date, "granted_by": acting_user, "granted_at": timezone.now()},
    )
    return extension


def invitation_for_token(token):
    """The invitation a link names, or None.

    The link is not under a company's URL, so this one lookup runs outside any tenant
    scope, by the token's digest alone; the caller works in the invitation's company.
    """
    with scopes_disabled():
        return (
            Invitation.objects.select_related(
                "contract__project__company", "period", "contact__user", "invited_by"
            )
            .filter(token_hash=_digest(token))
            .first()
        )


def is_expired(invitation):
    return invitation.status == Status.INVITED and timezone.now() >= invitation.expires_at


def is_revoked(invitation):
    """Replaced by a newer invitation, withdrawn with the contact, or sent to an address
    the contact no longer has."""
    return invitation.status == Status.REVOKED or (
        invitation.status == Status.INVITED and invitation.contact.email.lower() != invitation.email
    )


def _lock_unanswered(invitation):
    """The invitation, locked, if its link may still be answered."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("contract__project__company", "period", "contact")
        .get(pk=invitation.pk)
    )
    if is_revoked(invitation):
        raise ValidationError("This link was replaced or withdrawn.")
    if invitation.status != Status.INVITED:
        raise ValidationError(f"This invitation was already {invitation.get_status_display()}.")
    if is_expired(invitation):
        raise ValidationError("This link has expired.")
    if not invitation.period.is_open:
        raise ValidationError(f"{invitation.period} is closed.")
    if not invitation.contract.invoice_contacts.filter(pk=invitation.contact_id).exists():
        raise ValidationError(f"{invitation.contact} is no longer an invoice contact here.")
    return invitation


@transaction.atomic
def invitation_decline(*, invitation):
    invitation = _lock_unanswered(invitation)
    invitation.status = Status.DECLINED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    notices.invitation_declined_notice(invitation)
    return invitation


def account_for(invitation):
    """The account that answers the invitation: the contact's, or, not linked to the
    directory entry yet, the one with the address the link went to. None: there is none."""
    contact = invitation.contact
    if contact.user_id:
        return contact.user
    return User.objects.filter(email__iexact=invitation.email).first()


@transaction.atomic
def invitation_accept(*, invitation, user=None, password=None):
    """Accept as `user`, the contact's account, or make that account with `password` (a
    contact without one sets it on first use). The contact gets its access to the
    commitment, and its invoice for the period is started. The result: that invoice, and
    the account."""
    invitation = _lock_unanswered(invitation)
    account = account_for(invitation)
    if password is not None:
        if account is not None:
            raise ValidationError(f"{invitation.email} already has an account: log in to accept.")
        user = User.objects.create_user(
            email=invitation.email, password=password, full_name=invitation.contact.full_name
        )
    elif user is None or account is None or user.pk != account.pk:
        raise ValidationError(f"This invitation is for {invitation.email}.")
    contact = invitation.contact
    if contact.user_id != user.pk:
        contact.user = user
        contact.save(update_fields=["user"])
    _give_contact_a_level(user, invitation.contract)
    invoice = _period_invoice(invitation)
    invitation.status = Status.ACCEPTED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    return invoice, user


def _period_invoice(invitation):
    """The commitment's invoice for the period: started now, or the one another contact
    of the same commitment started first."""
    contract, period = invitation.contract, invitation.period
    user = invitation.contact.user
    existing = contract.invoices.filter(period=period).first()
    if existing is not None:
        return existing
    check_contact_may_start(period, ask=whom_to_ask(invitation), contract=contract)
    try:
        return services.invoice_create(contract=contract, period=period, acting_user=user)
    except ValidationError:
        existing = contract.invoices.filter(period=period).first()
        if existing is None:
            raise
        return existing


def _give_contact_a_level(user, contract):
    """For a vendor's employee with no level on the project yet, Standard on commitments:
    enough to submit, revise and resubmit, and it still reaches only the commitments it is
    a contact on (permissions.access reads that from the contract's invoice contacts, which
    the account has just been linked to). Refused when the account still may not answer
    (T2-1): a company member without a level on the project."""
    project = contract.project
    membership = Membership.objects.filter(user=user, company=project.company).first()
    has_level = ProjectUserObjectPermission.objects.filter(
        user=user, content_object=project
    ).exists()
    if membership is None and not has_level:
        project_member_set(project=project, user=user, levels={Tool.COMMITMENTS: Level.STANDARD})
    permissions = ProjectPermissions(
        user,
        project,
        company_admin=bool(membership and membership.is_admin),
        external=membership is None,
    )
    if not permissions.can("respond_to_invite", obj=contract):
        raise ValidationError(
            f"{user.email} has no access to {project}: ask its admin to give you a level."
        )


@transaction.atomic
def invitation_new_link_request(*, invitation):
    """Someone with an expired or replaced link asks for a new one: the inviter (or,
    without one, the company's admins) is told, at most once a day per invitation."""
    invitation = Invitation.objects.select_for_update(of=("self",)).get(pk=invitation.pk)
    if not (is_expired(invitation) or is_revoked(invitation)):
        raise ValidationError("This link still works: answer it.")
    now = timezone.now()
    if invitation.new_link_requested_at and now - invitation.new_link_requested_at < timedelta(
        days=1
    ):
        return
    invitation.new_link_requested_at = now
    invitation.save(update_fields=["new_link_requested_at"])
    contract = invitation.contract
    recipients = _inviter_or_admins(invitation)
    link = absolute_url(
        reverse(
            "invoicing",
            kwargs={
                "company": contract.project.company.slug,
                "project": contract.project_id,
                "period": invitation.period_id,
            },
        )
    )
    for email in recipients:
        queue_email(
            to=email,
            subject_template="invoices/emails/new_link_request_subject.txt",
            body_template="invoices/emails/new_link_request.txt",
            context={"invitation": invitation, "contract": contract, "link": link},
            company=contract.project.company,
        )
