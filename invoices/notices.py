"""Notices (docs/invite-to-bill.md, notices): the invoice contacts hear that their invoice
was approved; the inviter hears that a contact declined, submitted or resubmitted.

Each is an outbox email queued by the service that acts, in its transaction: it goes once
that commits, and not at all when it rolls back.
"""

from django.urls import reverse

from billing.models import BillingSettings
from tenancy.emails import absolute_url, queue_email

from .emails import email_invoice_contacts
from .models import Invitation, Invoice

Status = Invoice.Status
APPROVED = (Status.APPROVED, Status.APPROVED_AS_NOTED)


def invoicing_link(period):
    """The period's invoicing page, for an email."""
    project = period.project
    return absolute_url(
        reverse(
            "invoicing",
            kwargs={"company": project.company.slug, "project": project.pk, "period": period.pk},
        )
    )


def invoice_status_notice(invoice, *, was, acting_user):
    """After an invoice's status moved from `was`: an approval is told to its contacts,
    when the project says so (notify_on_approval, on unless turned off)."""
    if invoice.status == was or invoice.status not in APPROVED:
        return
    contract = invoice.contract
    notify = (
        BillingSettings.objects.filter(project=contract.project_id)
        .values_list("notify_on_approval", flat=True)
        .first()
    )
    if notify is False:
        return
    changes = (
        [line for line in invoice.lines.all() if line.was_adjusted]
        if invoice.status == Status.APPROVED_AS_NOTED
        else []
    )
    email_invoice_contacts(invoice, "approved", reviewer=acting_user, changes=changes)


def inviter_of(contract, period):
    """Who invited the commitment's contacts to bill the period (the latest invitation
    with an inviter still active), or None: nobody is told then."""
    invitation = (
        Invitation.objects.filter(contract=contract, period=period, invited_by__isnull=False)
        .select_related("invited_by")
        .order_by("-invited_at", "-pk")
        .first()
    )
    if invitation is None or not invitation.invited_by.is_active:
        return None
    return invitation.invited_by


def invoice_submitted_notice(invoice, *, was, acting_user):
    """After a submission: the inviter hears it was submitted (resubmitted, after a Revise
    & Resubmit). Not when the inviter submitted it themselves."""
    what = "resubmitted" if was == Status.REVISE_RESUBMIT else "submitted"
    _tell_inviter(invoice.contract, invoice.period, what, acting_user, invoice=invoice)


def invitation_declined_notice(invitation):
    """After a contact said No: the inviter hears it."""
    _tell_inviter(invitation.contract, invitation.period, "declined", None, invitation=invitation)


def _tell_inviter(contract, period, what, acting_user, *, invoice=None, invitation=None):
    inviter = inviter_of(contract, period)
    if inviter is None or (acting_user is not None and inviter.pk == acting_user.pk):
        return
    link = absolute_url(invoice.get_absolute_url()) if invoice else invoicing_link(period)
    queue_email(
        to=inviter.email,
        subject_template="invoices/emails/inviter_notice_subject.txt",
        body_template="invoices/emails/inviter_notice.txt",
        company=contract.project.company,
        context={
            "what": what,
            "inviter": inviter,
            "contract": contract,
            "period": period,
            "invoice": invoice,
            "invitation": invitation,
            "actor": acting_user,
            "link": link,
        },
    )
