"""The demo's reminders, digest and notices settings (docs/invite-to-bill.md), used by
seed_demo after demo.billing: the open period's contacts are then in every state — one
reminded, one declined, and, on the project given `late`, past the due date."""

from datetime import timedelta

from django.utils import timezone

from billing import services as billing_services
from billing.models import BillingPeriod, BillingSettings
from invoices import digest, reminders
from invoices.models import InvitationReminder

DISTRIBUTION_LIST = "pm@demo.test\nowner@riverside.test"


def seed_mail(project, *, admin, late=False):
    """Idempotent: a project whose contacts were reminded already is left as it is."""
    today = timezone.localdate()
    BillingSettings.objects.update_or_create(
        project=project,
        defaults={
            "reminder_every_days": 7,
            "reminder_on_due_date": True,
            "digest_enabled": True,
            # Today: the seed's own run of the job sends this week's digest (once a week).
            "digest_weekday": today.weekday(),
            "distribution_list": DISTRIBUTION_LIST,
            "notify_on_approval": True,
        },
    )
    period = BillingPeriod.objects.filter(project=project, status=BillingPeriod.Status.OPEN).first()
    if (
        period is None
        or InvitationReminder.objects.filter(invitation__contract__project=project).exists()
    ):
        return
    # SC-002's contact has not answered: reminded now, through the service an admin's
    # "Send reminder now" uses (it records the reminder and last_reminded_at).
    commitments = project.contracts.filter(number="SC-002")
    reminders.invitations_remind(contracts=commitments, period=period, acting_user=admin)
    if late:
        # The period fell due a few days ago: SC-002 (invited) and SC-001 (a Draft) are
        # late. Its start bounds it: on a month's first days nothing is late yet.
        due = max(period.start_date, today - timedelta(days=3))
        billing_services.period_update(
            period=period, start_date=period.start_date, end_date=period.end_date, due_date=due
        )
    digest.digests_send()
