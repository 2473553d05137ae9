"""The invoicing page's summary: the period at a glance, above its list (docs/invoices.md,
"The invoicing page's summary").

Counted and summed by the database in one query grouped by the state the list itself
computes (invoicing.invoicing_commitments), so the summary and the rows cannot disagree and
its cost does not grow with the commitments. It covers every commitment the person may see
for the period, whatever the list's filters.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum

from .invoicing import InvoicingFilter, invoicing_commitments
from .models import Invitation, Invoice

Status = Invoice.Status
# The summary's boxes, in the order of the cycle, and the states each counts.
BUCKETS = [
    ("not_invited", "Not invited", {"no_contacts", "ssov_not_approved", "not_invited"}),
    ("invited", "Invited", {Invitation.Status.INVITED}),
    ("accepted", "Accepted", {Invitation.Status.ACCEPTED}),
    ("declined", "Declined", {Invitation.Status.DECLINED, Invitation.Status.REVOKED}),
    ("draft", "Draft", {Status.DRAFT}),
    ("submitted", "Submitted, under review", {Status.UNDER_REVIEW, Status.PENDING_OWNER_APPROVAL}),
    ("revise_resubmit", "Revise & resubmit", {Status.REVISE_RESUBMIT}),
    ("approved", "Approved", {Status.APPROVED, Status.APPROVED_AS_NOTED}),
]
# Submitted and not sent back: what the contractors ask to be paid this period.
REQUESTED = {
    Status.UNDER_REVIEW,
    Status.PENDING_OWNER_APPROVAL,
    Status.APPROVED,
    Status.APPROVED_AS_NOTED,
}
APPROVED = {Status.APPROVED, Status.APPROVED_AS_NOTED}
# Made but not (or no longer) submitted: in the list's totals, not in what is requested.
# Shown so that the two figures add up (docs/invoices.md).
NOT_SUBMITTED = {Status.DRAFT, Status.REVISE_RESUBMIT}
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Bucket:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class Summary:
    buckets: list
    commitments: int
    requested: Decimal  # Σ current payment due of the submitted invoices
    approved: Decimal  # Σ current payment due of the approved ones
    not_submitted: Decimal  # Σ current payment due of the drafts and those sent back
    retainage_held: Decimal  # Σ total retainage of the submitted invoices


def invoicing_summary(*, period, project, permissions):
    """The period's commitments by state, with the sums asked for: one query."""
    commitments = invoicing_commitments(
        period=period, permissions=permissions, filters=InvoicingFilter({}, project=project)
    )
    rows = (
        commitments.order_by()
        .values("state")
        .annotate(
            count=Count("pk"),
            payment_due=Sum("period_invoice__current_payment_due"),
            retainage=Sum("period_invoice__total_retainage"),
        )
    )
    by_state = {row["state"]: row for row in rows}

    def total(states, field):
        return sum((by_state[state][field] or ZERO for state in states if state in by_state), ZERO)

    return Summary(
        buckets=[
            Bucket(key, label, sum(by_state[s]["count"] for s in states if s in by_state))
            for key, label, states in BUCKETS
        ],
        commitments=sum(row["count"] for row in by_state.values()),
        requested=total(REQUESTED, "payment_due"),
        approved=total(APPROVED, "payment_due"),
        not_submitted=total(NOT_SUBMITTED, "payment_due"),
        retainage_held=total(REQUESTED, "retainage"),
    )
