"""Who may type on an invoice's lines, and in what role (SPEC §6, PERMISSIONS.md)."""

from dataclasses import dataclass
from enum import Enum

from billing.templatetags.money import plain, plain_money

from .models import Invoice

Status = Invoice.Status

ADMIN_ACTIONS = ("review_invoice", "manage_contract")  # T2-13; client invoices: Admin


class Editing(Enum):
    NONE = "read only"
    ENTRY = "entry"  # fills in the invoice: Draft or Revise & Resubmit
    REVIEW = "review"  # an admin adjusting an invoice under review (approved as noted)


def line_editing(permissions, invoice):
    """Admins may edit any draft and adjust one under review; others only the contract's
    latest invoice, in Draft (T2-18) or Revise & Resubmit (T2-15)."""
    if permissions.can(*ADMIN_ACTIONS, obj=invoice):
        if invoice.is_editable:
            return Editing.ENTRY
        return Editing.REVIEW if invoice.status == Status.UNDER_REVIEW else Editing.NONE
    if not invoice.is_editable or not is_latest(invoice):
        return Editing.NONE
    action = "revise_resubmit" if invoice.status == Status.REVISE_RESUBMIT else "submit_new_invoice"
    return Editing.ENTRY if permissions.can(action, obj=invoice) else Editing.NONE


def is_latest(invoice):
    return not invoice.contract.invoices.filter(sequence__gt=invoice.sequence).exists()


@dataclass(frozen=True)
class Cell:
    """An input of the editable G703 row."""

    name: str
    label: str
    money: bool = False
    narrow: bool = False
    source: str = ""  # the line field it shows, when not `name`

    def shown(self, line):
        value = getattr(line, self.source or self.name)
        return plain_money(value) if self.money else plain(value)


CELLS = {
    cell.name: cell
    for cell in (
        Cell("work_this_period", "Work this period", money=True),
        Cell("quantity_this_period", "Quantity this period"),
        Cell("materials_stored", "Materials presently stored", money=True),
        Cell("percent_complete", "Percent complete", narrow=True),
        Cell("retainage_work_rate", "Retainage rate", narrow=True, source="applied_work_rate"),
        Cell("retainage_work_released", "Work retainage released", money=True),
    )
}


def cells_to_refresh(line, posted, invalid=()):
    """The inputs an answer must rewrite: those whose saved value is not what was typed
    (a percent became an amount, 100% cleared the stored materials), and invalid ones."""
    cells = []
    for name, cell in CELLS.items():
        if name not in posted:
            continue
        if name in invalid:
            cells.append(cell_context(cell, posted[name], invalid=True))
        elif cell.shown(line) != posted[name].strip():
            cells.append(cell_context(cell, cell.shown(line)))
    return cells


def cell_context(cell, value, invalid=False):
    return {
        "name": cell.name,
        "label": cell.label,
        "value": value,
        "narrow": cell.narrow,
        "invalid": invalid,
    }
