"""Reads shaped for the invoice pages."""

from billing.engine import change_order_summary, g703_totals

from .pay_application import line_input, stored_row


def invoice_page(invoice):
    """An invoice with its G703 lines, totals, G702 and change order summary.

    Every figure is a stored one (frozen once submitted); totals and the change order
    summary are the engine's sums of those stored figures, never a recomputation.
    """
    lines = list(invoice.lines.all())
    return {
        "invoice": invoice,
        "contract": invoice.contract,
        "lines": lines,
        "totals": g703_totals([stored_row(line) for line in lines]),
        "change_orders": change_order_summary(
            [line_input(line) for line in lines], invoice.period_start, invoice.period_end
        ),
        "has_change_orders": any(line.change_order_number for line in lines),
    }
