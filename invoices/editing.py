"""Who may type on an invoice's lines, and in what role (docs/invoices.md, docs/permissions.md)."""

from dataclasses import dataclass
from enum import Enum

from billing.templatetags.money import input_money, plain

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


@dataclass(frozen=True)
class RetainageRights:
    """Who may touch retainage on an invoice's lines, beside entering work: setting a rate
    is an admin's (T2-17b, T1-24; T1-25 on a client invoice), releasing is also open to
    Standard users and to Read Only contacts (T2-17a)."""

    set: bool
    release: bool

    FIELDS = {
        "retainage_work_rate": "set",
        "retainage_work_released": "release",
        "retainage_materials_released": "release",
    }

    @classmethod
    def of(cls, permissions, invoice):
        return cls(
            set=permissions.can(
                "set_retainage", "pb_set_retainage", "set_client_retainage", obj=invoice
            ),
            release=permissions.can("release_retainage", "set_client_retainage", obj=invoice),
        )

    def refusals(self, entries):
        """{field: message} for the entries these rights do not cover."""
        return {
            name: "Only an admin sets retainage rates."
            if right == "set"
            else "You may not release retainage here."
            for name, right in self.FIELDS.items()
            if name in entries and not getattr(self, right)
        }


def may_attach(permissions, invoice, editing):
    """Attachments: whoever may fill in the invoice now (`editing`, the request's
    line_editing(), asked once: for a non-admin it is a query), and its admins at any time."""
    return editing is not Editing.NONE or permissions.can(*ADMIN_ACTIONS, obj=invoice)


def may_compile_backup(permissions, invoice):
    """T1-5 for a subcontractor invoice; a client invoice's backup also carries the
    period's subcontractor invoices, so it needs T1-5 on the project besides the client
    contract's admin (rule 1)."""
    if invoice.contract.is_commitment:
        return permissions.can("compile_invoice_backups", obj=invoice)
    return permissions.can("manage_contract", obj=invoice) and permissions.can(
        "compile_invoice_backups"
    )


def is_latest(invoice):
    return not invoice.contract.invoices.filter(sequence__gt=invoice.sequence).exists()


@dataclass(frozen=True)
class Cell:
    """An input of the editable G703 row, as the messages and the answer to a save know it;
    its markup is the row's, in the G703 template (docs/invoices.md)."""

    name: str
    column: str  # how messages name the cell: its G703 column and what it holds
    money: bool = False
    hint: str = ""  # the line field shown as placeholder: what applies when left empty

    def shown(self, line):
        value = getattr(line, self.name)
        return input_money(value) if self.money else plain(value)

    def hinted(self, line):
        return plain(getattr(line, self.hint)) if self.hint else ""


CELLS = {
    cell.name: cell
    for cell in (
        Cell("work_this_period", "E, work this period", money=True),
        Cell("quantity_this_period", "E, quantity this period"),
        Cell("materials_stored", "F, materials presently stored", money=True),
        Cell("percent_complete", "% complete"),
        Cell("retainage_work_rate", "Retainage rate", hint="applied_work_rate"),
        Cell("retainage_work_released", "Work retainage released", money=True),
    )
}


def cell_messages(form):
    """The line form's errors by cell, {cell name, or "" for the row's: text}, each naming
    its line and its cell ("Line 3, E, work this period: Enter a number."), as a screen
    reader reads it alone, from the cell it is about (aria-describedby; docs/invoices.md,
    "Accessibility of the G703"). The engine's messages start "Line 3: ", which the cell's
    name replaces."""
    if form is None:
        return {}
    number = form.line.number
    messages = {}
    for name, errors in form.errors.items():
        spec = CELLS.get(name)
        texts = []
        for error in errors:
            if spec is not None:
                error = f"Line {number}, {spec.column}: {error.removeprefix(f'Line {number}: ')}"
            if error not in texts:
                texts.append(error)
        key = name if spec is not None else ""
        messages[key] = " ".join(filter(None, [messages.get(key), *texts]))
    return messages


def first_cell(lines):
    """The id of the G703's first input, where its skip link moves the focus (docs/invoices.md,
    "Accessibility of the G703"), or None without lines."""
    for line in lines:
        return f"l{line.pk}-{'quantity' if line.is_unit_based else 'work'}_this_period"
    return None


def cells_to_refresh(line, posted, invalid=(), *, before=None, marked=()):
    """The inputs an answer must rewrite, out of band, as the G703 row takes them: {cell
    name: None} for those shown as saved: whose saved value is not what was typed (a
    percent became an amount, 100% cleared the stored materials), whose placeholder moved
    since `before` (the rate a sliding scale applies) or that the page shows `marked`
    invalid, no longer so; {cell name: text} for the invalid ones, kept as typed."""
    inputs = {}
    for name, spec in CELLS.items():
        if name not in posted:
            continue
        if name in invalid:
            inputs[name] = posted[name]
        elif (
            name in marked
            or spec.shown(line) != posted[name].strip()
            or (before is not None and spec.hinted(line) != spec.hinted(before))
        ):
            inputs[name] = None
    return inputs
