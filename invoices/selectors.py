"""Reads shaped for the invoice pages."""

from billing.engine import change_order_summary

from .models import (
    DueDateExtension,
    InvoiceAttachment,
    InvoiceDocument,
    InvoiceEmail,
    InvoiceEvent,
    InvoiceLine,
    LineFacts,
)
from .pay_application import line_input, stored_totals

# A line's columns that the G703 pages show or sum (rows, change order summary, exports,
# PDF): its links to the sources and the per-period retainage detail stay in the database.
NOT_SHOWN = {
    "invoice_id",
    "sov_line_id",
    "change_order_line_id",
    "ssov_line_id",
    "cost_code",
    "applied_materials_rate",
    "retainage_work_this_period",
    "retainage_work_to_date",
    "retainage_materials_this_period",
    "retainage_materials_to_date",
    "claimed_materials_stored",
}
SHOWN = [f.attname for f in InvoiceLine._meta.concrete_fields if f.attname not in NOT_SHOWN]


class StoredLine(LineFacts):
    """A line of a page that shows the G703: its columns as attributes. Read-only, and about
    half the cost of a model instance, which counts at 1,000 lines."""

    def __init__(self, values):
        self.__dict__ = values  # the query's own dict, not copied
        self.pk = values["id"]


def invoice_page(invoice):
    """An invoice with its G703 lines, totals, G702 and change order summary.

    Every figure is a stored one (frozen once submitted): the totals are the invoice's
    stored sums of its rounded lines, and the change order summary the engine's sum of the
    stored lines, never a recomputation.
    """
    rows = InvoiceLine.objects.filter(invoice=invoice).order_by("position").values(*SHOWN)
    lines = [StoredLine(values) for values in rows]
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


def unfinished_document(invoice):
    """The invoice's latest document if a worker is still on it or it failed: what the
    person asked for last, not an old failure since made good."""
    latest = InvoiceDocument.objects.filter(invoice=invoice).order_by("-requested_at").first()
    return latest if latest and latest.status != InvoiceDocument.Status.READY else None


def invoice_sends(invoice):
    """Every email of the invoice, newest first, with its delivery."""
    return list(InvoiceEmail.objects.filter(invoice=invoice).select_related("email", "sent_by"))


def invoice_attachments(invoice):
    return list(InvoiceAttachment.objects.filter(invoice=invoice).select_related("uploaded_by"))


def invoice_history(invoice):
    """Who did what to the invoice, oldest first (docs/invoices.md, "Who did what")."""
    return list(InvoiceEvent.objects.filter(invoice=invoice).select_related("actor"))


def due_date_extension(*, contract, period):
    return DueDateExtension.objects.filter(contract=contract, period=period).first()
