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
    """{invoice id: paid state} for the invoicing page's rows: one query. An invoice not
    approved yet is not payable: it has no paid state (the cell shows "—")."""
    ids = [row.invoice.pk for row in rows if row.invoice is not None]
    paid = selectors.paid_by_invoice(ids)
    found = {}
    for row in rows:
        invoice = row.invoice
        if invoice is None or invoice.status not in selectors.PAYABLE_STATUSES:
            continue
        amount = paid.get(invoice.pk, selectors.ZERO)
        state = selectors.paid_state(amount, invoice.current_payment_due)
        found[invoice.pk] = {
            "state": state,
            "label": selectors.PAID_STATES[state],
            "paid": amount,
            "due": invoice.current_payment_due,
        }
    return found


@register.filter
def paid_state_label(state):
    return selectors.PAID_STATES.get(state, state)


@register.filter
def dict_get(mapping, key):
    return mapping.get(key) if mapping else None
