"""The waiver panels other apps' pages include with one line (docs/waivers.md)."""

from django import template

from .. import selectors

register = template.Library()


@register.simple_tag
def invoice_waivers(invoice):
    return selectors.invoice_waivers(invoice)


@register.simple_tag
def period_waiver_states(rows):
    """The invoicing page's rows: the waiver state of each commitment's invoice."""
    ids = [row.invoice.pk for row in rows if getattr(row, "invoice", None)]
    states = selectors.period_waiver_states(ids)
    return [
        (row.commitment, states.get(row.invoice.pk, ""))
        for row in rows
        if getattr(row, "invoice", None) and states.get(row.invoice.pk)
    ]
