"""Reminders to invoice contacts who have not submitted (docs/invite-to-bill.md, reminders).

The project's settings say when: every N days counting back from the due date, and on the
due date itself; never after it. Each reminder is an outbox email, recorded as an
InvitationReminder whose constraint (one per invitation and day) makes a second run of the
job, a second beat, or "Send reminder now" twice in a day send nothing more.
"""

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from billing.models import BillingPeriod
from contracts.models import Contract
from tenancy.emails import absolute_url, queue_email
from tenancy.models import SweepRun

from .models import DueDateExtension, Invitation, InvitationReminder, Invoice

Status = Invitation.Status
# The answers that still owe an invoice: a declined or replaced invitation is never reminded.
OPEN_ANSWERS = (Status.INVITED, Status.ACCEPTED)


def is_reminder_day(billing_settings, due_date, today):
    """Whether the cadence reminds on `today` for a period (or commitment) due `due_date`."""
    if today > due_date:
        return False
    if today == due_date:
        return billing_settings.reminder_on_due_date
    every = billing_settings.reminder_every_days
    return every > 0 and (due_date - today).days % every == 0


def due_dates(period):
    """Each commitment's due date for the period where an extension moved it
    (docs/periods.md, the due date); the others are due on the period's."""
    return dict(
        DueDateExtension.objects.filter(period=period).values_list("contract_id", "due_date")
    )


def owing_invitations(period):
    """The invitations of the period that still owe an invoice: answered Yes or not yet,
    on a commitment with no submitted invoice for it (a Draft is not submitted). One per
    contact and commitment, the latest: a contact asked again to complete a Draft is not
    reminded twice."""
    submitted = Invoice.objects.filter(period=period).exclude(status=Invoice.Status.DRAFT)
    # A contact removed from the commitment since is no longer asked for its invoice.
    still_contact = Exists(
        Contract.invoice_contacts.through.objects.filter(
            contract=OuterRef("contract"), person=OuterRef("contact")
        )
    )
    invitations = (
        Invitation.objects.filter(still_contact, period=period, status__in=OPEN_ANSWERS)
        .exclude(contract__in=submitted.values("contract"))
        .select_related("contract__project__company", "contact__user", "period")
        .order_by("contract_id", "contact_id", "invited_at", "pk")
    )
    latest = {}
    for invitation in invitations:
        latest[(invitation.contract_id, invitation.contact_id)] = invitation
    return list(latest.values())


def reminders_send(today=None):
    """The beat job: remind, in every project whose cadence falls today, each contact who
    owes its open period an invoice. The number of reminders queued."""
    today = today or timezone.localdate()
    sent = 0
    # The job spans companies: list the candidate periods unscoped, then work in each
    # period's company scope (docs/tenancy.md).
    with scopes_disabled():
        periods = list(
            BillingPeriod.objects.filter(
                status=BillingPeriod.Status.OPEN,
                project__billing_settings__isnull=False,
            )
            .select_related("project__company", "project__billing_settings")
            .order_by("pk")
        )
    for period in periods:
        billing_settings = period.project.billing_settings
        if not (billing_settings.reminder_every_days or billing_settings.reminder_on_due_date):
            continue
        with scope(company=period.project.company):
            moved = due_dates(period)
            for invitation in owing_invitations(period):
                due = moved.get(invitation.contract_id, period.due_date)
                if not is_reminder_day(billing_settings, due, today):
                    continue
                if timezone.localdate(invitation.invited_at) == today:
                    continue  # the invitation itself went out today
                if _remind(invitation, due_on=today, due=due, sent_by=None):
                    sent += 1
    SweepRun.record("send_reminders")  # when it last ran (tests wait on it)
    return sent


def _remind(invitation, *, due_on, due, sent_by):
    """One reminder, once for the day: the InvitationReminder row, its email and the
    invitation's last_reminded_at commit together. False when it was reminded that day."""
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: the constraint answers a second try
                reminder = InvitationReminder.objects.create(
                    invitation=invitation, due_on=due_on, sent_by=sent_by
                )
        except IntegrityError:
            return False
        reminder.email = _email(invitation, due=due, sent_by=sent_by)
        reminder.save(update_fields=["email"])
        invitation.last_reminded_at = reminder.created_at
        invitation.save(update_fields=["last_reminded_at"])
    return True


def _email(invitation, *, due, sent_by):
    contract = invitation.contract
    invoice = contract.invoices.filter(period=invitation.period).first()
    # A contact who answered Yes (or has an account) opens the invoice; one who has not
    # answered goes back to the invitation they were emailed (its link is stored only as
    # a digest, so it cannot be sent again: an expired one offers to ask for a new one).
    link = absolute_url(invoice.get_absolute_url()) if invoice else ""
    return queue_email(
        to=invitation.contact.email or invitation.email,
        subject_template="invoices/emails/reminder_subject.txt",
        body_template="invoices/emails/reminder.txt",
        company=contract.project.company,
        context={
            "invitation": invitation,
            "contract": contract,
            "project": contract.project,
            "period": invitation.period,
            "due": due,
            "invoice": invoice,
            "link": link,
            "sent_by": sent_by,
        },
    )


@transaction.atomic
def invitations_remind(*, contracts, period, acting_user):
    """An admin's "Send reminder now" for the selected commitments: their contacts who owe
    the period an invoice are reminded today. The number reminded, and why the others were
    skipped (a message per commitment)."""
    reminded, skipped = 0, []
    if not period.is_open:
        return 0, [f"{period} is closed: reminders go out for the open period."]
    today = timezone.localdate()
    moved = due_dates(period)
    owing = {}
    for invitation in owing_invitations(period):
        owing.setdefault(invitation.contract_id, []).append(invitation)
    for contract in contracts:
        invitations = owing.get(contract.pk)
        if not invitations:
            skipped.append(f"{contract.number}: {_why_not(contract, period)}")
            continue
        due = moved.get(contract.pk, period.due_date)
        invoice = contract.invoices.filter(period=period).first()
        if today > due and invoice is None:
            skipped.append(
                f"{contract.number}: it was due on {due:%b} {due.day}, so its contacts can no "
                "longer start the invoice. Create it on their behalf, then invite them."
            )
            continue
        done = sum(
            _remind(invitation, due_on=today, due=due, sent_by=acting_user)
            for invitation in invitations
        )
        reminded += done
        if done < len(invitations):
            skipped.append(f"{contract.number}: already reminded today.")
    return reminded, skipped


def _why_not(contract, period):
    """Why a commitment has no one to remind."""
    invoice = contract.invoices.filter(period=period).first()
    if invoice is not None and invoice.status != Invoice.Status.DRAFT:
        return f"{invoice.title} {invoice.status_phrase}."
    answers = set(contract.invitations.filter(period=period).values_list("status", flat=True))
    if Status.DECLINED in answers:
        return "its contacts declined to bill this period."
    return "its contacts were not invited for this period: invite them first."
