"""The weekly digest (docs/invite-to-bill.md, digest): on the day the project's settings
name, its distribution list gets the open period at a glance — the commitments by state,
the payment due, what is late — as plain text and HTML, once a week (DigestRun)."""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from billing.models import BillingPeriod, BillingSettings
from tenancy.emails import absolute_url, queue_email
from tenancy.models import SweepRun

from . import invoicing
from .models import DigestRun, Invitation, Invoice
from .notices import invoicing_link
from .reminders import due_dates

S, A = Invoice.Status, Invitation.Status
# The digest's states, in order; "submitted" counts every invoice past its Draft.
BUCKETS = {
    "not_invited": "Not invited",
    "invited": "Invited",
    "accepted": "Accepted",
    "declined": "Declined",
    "submitted": "Submitted",
    "under_review": "Under review",
    "approved": "Approved",
    "revise_resubmit": "Revise & resubmit",
}
SUBMITTED = (S.UNDER_REVIEW, S.REVISE_RESUBMIT, S.APPROVED, S.APPROVED_AS_NOTED,
             S.PENDING_OWNER_APPROVAL)  # fmt: skip


@dataclass
class Late:
    label: str
    state: str
    due: object
    link: str


@dataclass
class Digest:
    project: object
    period: object
    today: object
    counts: dict
    payment_due_submitted: Decimal
    payment_due_approved: Decimal
    late: list = field(default_factory=list)
    link: str = ""

    @property
    def rows(self):
        return [(BUCKETS[key], self.counts[key]) for key in BUCKETS]


class _WholeProject:
    """The digest goes to the project's distribution list: every commitment is counted,
    not those one user may see (the invoicing page's permissions.visible)."""

    def visible(self, queryset):
        return queryset


def _bucket(state, invitation):
    """A commitment's digest state, from its invoicing-page state and its contacts' answer."""
    if state in (S.APPROVED, S.APPROVED_AS_NOTED):
        return "approved"
    if state in (S.UNDER_REVIEW, S.PENDING_OWNER_APPROVAL):
        return "under_review"
    if state == S.REVISE_RESUBMIT:
        return "revise_resubmit"
    answer = invitation if state == S.DRAFT else state
    if answer in (A.INVITED, A.ACCEPTED, A.DECLINED):
        return str(answer)
    return "not_invited"


def project_digest(period, today):
    """What the digest says about `period` on `today` (a selector; scoped by the caller)."""
    project = period.project
    commitments = invoicing.invoicing_commitments(
        period=period,
        permissions=_WholeProject(),
        filters=invoicing.InvoicingFilter({}, project=project),
    )
    rows = invoicing.invoicing_rows(commitments)
    counts = dict.fromkeys(BUCKETS, 0)
    due_submitted = due_approved = Decimal("0.00")
    moved = due_dates(period)
    late = []
    for row in rows:
        bucket = _bucket(row.state, row.invitation)
        counts[bucket] += 1
        invoice = row.invoice
        if invoice is not None and invoice.status in SUBMITTED:
            counts["submitted"] += 1
            due_submitted += invoice.current_payment_due
            if bucket == "approved":
                due_approved += invoice.current_payment_due
            continue
        due = moved.get(row.commitment.pk, period.due_date)
        if today > due and bucket != "declined":
            path = invoice.get_absolute_url() if invoice else _contract_path(row.commitment)
            late.append(
                Late(
                    label=f"{row.commitment.number} {row.commitment.title} ({row.vendor_name})",
                    state=row.state_text,
                    due=due,
                    link=absolute_url(path),
                )
            )
    return Digest(
        project=project,
        period=period,
        today=today,
        counts=counts,
        payment_due_submitted=due_submitted,
        payment_due_approved=due_approved,
        late=late,
        link=invoicing_link(period),
    )


def _contract_path(contract):
    return reverse(
        "contract_detail",
        kwargs={
            "company": contract.project.company.slug,
            "project": contract.project_id,
            "contract": contract.pk,
        },
    )


def digests_send(today=None):
    """The beat job: each project whose digest day is today sends it, once for the week,
    to its distribution list. The number of digests sent (one per project)."""
    today = today or timezone.localdate()
    week_of = today - timedelta(days=today.weekday())
    sent = 0
    # The job spans companies: list the projects unscoped, then work in each one's company
    # scope (docs/tenancy.md).
    with scopes_disabled():
        candidates = list(
            BillingSettings.objects.filter(digest_enabled=True, digest_weekday=today.weekday())
            .exclude(distribution_list="")
            .select_related("project__company")
            .order_by("pk")
        )
    for billing_settings in candidates:
        project = billing_settings.project
        addresses = billing_settings.distribution_addresses
        with scope(company=project.company):
            period = BillingPeriod.objects.filter(
                project=project, status=BillingPeriod.Status.OPEN
            ).first()
            if period is None or not addresses:
                continue  # nothing to report on: no open period
            if _send(project, period, addresses, today=today, week_of=week_of):
                sent += 1
    SweepRun.record("send_digests")  # when it last ran (tests wait on it)
    return sent


@transaction.atomic
def _send(project, period, addresses, *, today, week_of):
    """The digest's emails and its DigestRun commit together; a second run of the week
    meets the constraint in its savepoint and sends nothing."""
    try:
        with transaction.atomic():
            DigestRun.objects.create(project=project, week_of=week_of)
    except IntegrityError:
        return False
    context = {"digest": project_digest(period, today)}
    for address in addresses:
        queue_email(
            to=address,
            subject_template="invoices/emails/digest_subject.txt",
            body_template="invoices/emails/digest.txt",
            html_template="invoices/emails/digest.html",
            company=project.company,
            context=context,
        )
    return True
