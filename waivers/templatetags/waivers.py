"""The waiver panels other apps' pages include with one line (docs/waivers.md)."""

from django import template

from .. import selectors

register = template.Library()


@register.simple_tag
def invoice_waivers(invoice):
    return selectors.invoice_waivers(invoice)


@register.simple_tag
def waiver_states_of(rows):
    """{invoice id: waiver state} for the invoicing page's rows, one query: the page shows
    it as a column of each commitment's row."""
    return selectors.waiver_states_of(rows)


@register.filter
def waiver_state_of(states, invoice):
    return (states or {}).get(invoice.pk, "") if invoice else ""
