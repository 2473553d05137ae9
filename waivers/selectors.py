"""Reads for the waiver panels (docs/waivers.md)."""

from django.db.models import Q

from . import services
from .models import CONDITIONAL, Kind, SubtierWaiver, Waiver, WaiverOverride

Status = Waiver.Status

# payments sits above waivers and says whether an invoice is paid in full (registered in
# PaymentsConfig.ready, as its gates are): a conditional waiver for a payment already made
# is not offered any more.
_paid_in_full_checks = []


def register_paid_in_full(check):
    if check not in _paid_in_full_checks:
        _paid_in_full_checks.append(check)


def conditional_wanted(invoice):
    """Whether the invoice page offers to send the conditional waiver for this payment:
    submitted, not signed yet for the payment due, not paid in full."""
    return not (
        invoice.is_editable
        or services.conditional_signed(invoice)
        or any(check(invoice) for check in _paid_in_full_checks)
    )


def invoice_waivers(invoice):
    # A waiver replaced by a newer one is left out; one withdrawn with its voided payment
    # stays in sight, saying so (docs/waivers.md).
    shown = Q(payment_voided_at__isnull=False) | ~Q(status=Status.VOID)
    return {
        "waivers": list(Waiver.objects.filter(shown, invoice=invoice).order_by("pk")),
        "subtier_waivers": list(SubtierWaiver.objects.filter(invoice=invoice)),
        "overrides": list(
            WaiverOverride.objects.filter(invoice=invoice).select_related("overridden_by")
        ),
        "kinds": Kind.choices,
        "conditional_wanted": conditional_wanted(invoice),
    }


def _conditional_state(conditional):
    if any(w.status == Status.SIGNED for w in conditional):
        return "Conditional signed"
    if any(w.status == Status.SENT for w in conditional):
        return "Conditional sent"
    if any(w.status == Status.QUEUED for w in conditional):
        return "Conditional being made"
    return ""


def waiver_state(waivers):
    """A commitment's waivers this period in a few words: the conditional one's state,
    then how many of the unconditional ones (one per payment) are signed. A signed one
    whose payment was voided is kept on the invoice but counts for no payment here."""
    conditional = [w for w in waivers if w.kind in CONDITIONAL]
    unconditional = [
        w for w in waivers if w.kind not in CONDITIONAL and w.payment_voided_at is None
    ]
    parts = [_conditional_state(conditional)]
    if unconditional:
        signed = sum(w.status == Status.SIGNED for w in unconditional)
        parts.append(f"Unconditional: {signed} of {len(unconditional)} signed")
    return " · ".join(part for part in parts if part)


def period_waiver_states(invoice_ids):
    """The waiver state of each invoice, by id, in one query."""
    found = {}
    for waiver in Waiver.objects.filter(invoice_id__in=invoice_ids).exclude(status=Status.VOID):
        found.setdefault(waiver.invoice_id, []).append(waiver)
    return {pk: waiver_state(waivers) for pk, waivers in found.items()}


def waiver_states_of(rows):
    """{invoice id: waiver state} for the invoicing page's rows, one query: its page's Lien
    waiver column and its export's both read it."""
    return period_waiver_states([row.invoice.pk for row in rows if row.invoice is not None])


def invoicing_waiver_texts(rows, *, project):
    """The invoicing export's Lien waiver column (invoices.exports): each row's text as the
    page's cell shows it (templates/waivers/partials/invoicing_waiver_cell.html)."""
    states = waiver_states_of(rows)
    return [(states.get(row.invoice.pk) or "—") if row.invoice is not None else "" for row in rows]
