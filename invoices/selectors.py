"""Reads shaped for the invoice pages."""

from billing.engine import change_order_summary

from .pay_application import line_input, stored_totals


def invoice_page(invoice):
    """An invoice with its G703 lines, totals, G702 and change order summary.

    Every figure is a stored one (frozen once submitted): the totals are the invoice's
    stored sums of its rounded lines, and the change order summary the engine's sum of the
    stored lines, never a recomputation.
    """
    lines = list(invoice.lines.all())
    return {
        "invoice": invoice,
        "contract": invoice.contract,
        "lines": lines,
        "totals": stored_totals(invoice),
        "change_orders": change_order_summary(
            [line_input(line) for line in lines if line.change_order_number],
            invoice.period_start,
            invoice.period_end,
        ),
        "has_change_orders": any(line.change_order_number for line in lines),
    }
