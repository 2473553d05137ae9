"""Reads for the waiver panels (docs/waivers.md)."""

from .models import CONDITIONAL, Kind, SubtierWaiver, Waiver, WaiverOverride

Status = Waiver.Status


def invoice_waivers(invoice):
    return {
        "waivers": list(
            Waiver.objects.filter(invoice=invoice).exclude(status=Status.VOID).order_by("pk")
        ),
        "subtier_waivers": list(SubtierWaiver.objects.filter(invoice=invoice)),
        "overrides": list(
            WaiverOverride.objects.filter(invoice=invoice).select_related("overridden_by")
        ),
        "kinds": Kind.choices,
    }


def waiver_state(waivers):
    """One word for a commitment's waivers this period: signed, sent, or none."""
    conditional = [w for w in waivers if w.kind in CONDITIONAL]
    if any(w.status == Status.SIGNED for w in conditional):
        return "Conditional signed"
    if any(w.status == Status.SENT for w in conditional):
        return "Conditional sent"
    if any(w.status == Status.QUEUED for w in conditional):
        return "Conditional being made"
    return ""


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
