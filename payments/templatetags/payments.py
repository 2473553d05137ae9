"""The paid state of an invoice, and of the invoices of a page, for other apps' pages
(the invoice page, the invoicing page) through one include line each."""

from django import template

from payments import selectors

register = template.Library()


@register.simple_tag
def invoice_payment_facts(invoice):
    return selectors.invoice_payment_facts(invoice)


@register.simple_tag
def paid_states_of(rows):
    """{invoice id: {paid, label}} for the invoicing page's rows: one query."""
    return selectors.paid_states_of(rows)


@register.filter
def paid_state_label(state):
    return selectors.PAID_STATES.get(state, state)


@register.filter
def dict_get(mapping, key):
    return mapping.get(key) if mapping else None
