"""The permission matrix: every action, the tool whose level it reads, and who may do it.

One table, read cell by cell from docs/permissions.md (rows T1-1 … T1-28 of the
Progress Billings tool and T2-1 … T2-19 of the Commitments tool, with their footnotes),
plus the actions the tables do not name. Views, htmx endpoints and templates all ask
`allowed`; nothing else decides.

Pure: facts about a user in, yes or no out (permissions.access gathers the facts).
"""

from dataclasses import dataclass
from enum import Enum

from .levels import Level, Tool


class Cell(Enum):
    NO = "—"
    YES = "✓"
    CONTACT = "✓C"  # the user is an invoice contact on the commitment
    CONTACT_PRIVATE = "✓C·P"  # the invoice contact; at Read Only also on the private list
    PRIVATE_OR_CONTACT = "✓P|C"  # on the private list or the invoice contact


class ToolOf(Enum):
    """An action whose tool is not fixed: that of the contract it touches, or either."""

    CONTRACT = "the contract's tool"
    EITHER = "the higher of the two tools"


@dataclass(frozen=True)
class Facts:
    """What the matrix needs to know about one user and one object."""

    level: Level  # on the action's tool, for this project
    is_contact: bool = False  # invoice contact on the commitment
    on_private_list: bool = False  # on the commitment's private list
    is_private: bool = False  # the commitment is private


@dataclass(frozen=True)
class Action:
    code: str  # the row of docs/permissions.md, or "—" for actions the tables do not name
    name: str
    description: str
    tool: Tool | ToolOf
    none: Cell
    read_only: Cell
    standard: Cell
    admin: Cell

    def cell(self, level):
        return (self.none, self.read_only, self.standard, self.admin)[level]


NO, YES, C, CP, PC = Cell.NO, Cell.YES, Cell.CONTACT, Cell.CONTACT_PRIVATE, Cell.PRIVATE_OR_CONTACT
COMMITMENTS, CLIENT = Tool.COMMITMENTS, Tool.CLIENT_CONTRACTS
OF_CONTRACT, EITHER = ToolOf.CONTRACT, ToolOf.EITHER

# fmt: off
_ROWS = [
    # Table 1: the Progress Billings tool.
    ("T1-1", "pb_add_invoice_contacts", "Add invoice contacts to a purchase order or subcontract", COMMITMENTS, NO, NO, NO, YES),
    ("T1-2", "pb_add_payment_issued", "Add a new payment to the Payments Issued tab", COMMITMENTS, NO, NO, NO, YES),
    ("T1-3", "bulk_edit_invoice_status", "Bulk edit the status of subcontractor invoices", COMMITMENTS, NO, NO, NO, YES),
    ("T1-4", "bulk_send_for_signature", "Bulk send subcontractor invoices for signature", COMMITMENTS, NO, NO, NO, YES),
    ("T1-5", "compile_invoice_backups", "Compile invoice backups", COMMITMENTS, NO, NO, NO, YES),
    ("T1-6", "configure_progress_billings", "Configure settings: Progress Billings", COMMITMENTS, NO, NO, NO, YES),
    ("T1-7", "create_automatic_periods", "Create automatic billing periods", COMMITMENTS, NO, NO, NO, YES),
    ("T1-8", "create_manual_periods", "Create manual billing periods", COMMITMENTS, NO, NO, NO, YES),
    ("T1-9", "create_payment_received", "Create a payment received for a GC/client invoice", CLIENT, NO, NO, NO, YES),
    ("T1-10", "create_payment_schedule", "Create a payment schedule", CLIENT, NO, NO, NO, YES),
    ("T1-11", "pb_delete_invoice", "Delete a subcontractor invoice", COMMITMENTS, NO, NO, NO, YES),
    ("T1-12", "edit_period", "Edit a billing period", COMMITMENTS, NO, NO, NO, YES),
    ("T1-13", "edit_client_invoice_pdf", "Edit a configurable PDF of a GC/client invoice", CLIENT, NO, NO, NO, YES),
    ("T1-14", "email_client_invoice", "Email a GC/client invoice", CLIENT, NO, NO, NO, YES),
    ("T1-15", "pb_enable_payments_issued", "Enable the Payments Issued tab on a commitment", COMMITMENTS, NO, NO, NO, YES),
    ("T1-16", "export_invoice", "Export a subcontractor invoice", COMMITMENTS, NO, NO, NO, YES),
    ("T1-17", "export_invoicing_page", "Export the subcontractor invoicing page", COMMITMENTS, NO, NO, NO, YES),
    ("T1-18", "pb_forward_invoice", "Forward a subcontractor invoice by email", COMMITMENTS, NO, NO, NO, YES),
    # Rule 5: the literal "RO ✓" is read as the invoice-contact variant (row T1-27).
    ("T1-19", "pb_update_ssov_as_administrator", "Update a subcontractor SOV as an invoice administrator", COMMITMENTS, NO, CP, CP, YES),
    ("T1-20", "preview_invoice", "Preview a subcontractor invoice", COMMITMENTS, NO, YES, YES, YES),
    ("T1-21", "pb_revise_resubmit", "Revise & resubmit an invoice as an invoice contact", COMMITMENTS, NO, NO, CP, YES),
    ("T1-22", "search_invoices", "Search, filter and group invoices", COMMITMENTS, NO, NO, NO, YES),
    ("T1-23", "pb_send_invite", "Send an invite to bill to an invoice contact", COMMITMENTS, NO, NO, NO, YES),
    ("T1-24", "pb_set_retainage", "Set retainage on a subcontractor invoice as an invoice administrator", COMMITMENTS, NO, NO, NO, YES),
    ("T1-25", "set_client_retainage", "Set or release retainage for all line items on a GC/client invoice", CLIENT, NO, NO, NO, YES),
    ("T1-26", "update_ssov_as_administrator", "Update a subcontractor SOV as an invoice administrator", COMMITMENTS, NO, NO, NO, YES),
    ("T1-27", "pb_update_ssov_as_contact", "Update a subcontractor SOV as an invoice contact", COMMITMENTS, NO, CP, CP, YES),
    ("T1-28", "client_invoice_signature", "Update and set up signature on a GC/client invoice", CLIENT, NO, NO, NO, YES),
    # Table 2: the same work from the Commitments tool.
    ("T2-1", "respond_to_invite", "Accept or decline an invite to bill as an invoice contact", COMMITMENTS, NO, C, C, C),
    ("T2-2", "add_invoice_contacts", "Add invoice contacts to a purchase order or subcontract", COMMITMENTS, NO, NO, NO, YES),
    ("T2-3", "add_ssov", "Add a subcontractor SOV to a commitment", COMMITMENTS, NO, NO, NO, YES),
    ("T2-4", "create_payment_issued", "Create a payment issued", COMMITMENTS, NO, NO, NO, YES),
    ("T2-5", "create_invoice_on_behalf", "Create an invoice on behalf of an invoice contact", COMMITMENTS, NO, NO, PC, YES),
    ("T2-6", "create_release_invoice", "Create a subcontractor invoice for release of retainage", COMMITMENTS, NO, C, YES, YES),
    ("T2-7", "create_invoice_contacts", "Create invoice contacts", COMMITMENTS, NO, NO, NO, YES),
    ("T2-8", "create_prime_payment_received", "Create a payment received for a prime contract", CLIENT, NO, NO, NO, YES),
    ("T2-9", "delete_invoice", "Delete a subcontractor invoice", COMMITMENTS, NO, NO, NO, YES),
    ("T2-10", "toggle_ssov_tab", "Enable or disable the subcontractor SOV tab on a commitment", COMMITMENTS, NO, NO, NO, YES),
    ("T2-11", "enable_payments_issued", "Enable the Payments Issued tab on a commitment", COMMITMENTS, NO, NO, NO, YES),
    ("T2-12", "forward_invoice", "Forward a subcontractor invoice by email", COMMITMENTS, NO, C, YES, YES),
    ("T2-13", "review_invoice", "Review a subcontractor invoice as an admin", COMMITMENTS, NO, NO, NO, YES),
    ("T2-14", "review_lines_as_contact", "Review invoice line items as an invoice contact", COMMITMENTS, NO, C, YES, YES),
    ("T2-15", "revise_resubmit", "Revise & resubmit an invoice as an invoice contact", COMMITMENTS, NO, NO, C, C),
    ("T2-16", "send_invite", "Send an invite to bill to an invoice contact", COMMITMENTS, NO, NO, NO, YES),
    ("T2-17a", "release_retainage", "Release retainage on a subcontractor invoice", COMMITMENTS, NO, C, YES, YES),
    ("T2-17b", "set_retainage", "Set retainage on a subcontractor invoice", COMMITMENTS, NO, NO, NO, YES),
    ("T2-18", "submit_new_invoice", "Submit a new invoice as an invoice contact", COMMITMENTS, NO, PC, PC, YES),
    ("T2-19", "update_ssov_as_contact", "Update a subcontractor SOV as an invoice contact", COMMITMENTS, NO, CP, CP, YES),
    # Actions the tables do not name (docs/permissions.md, the unnamed actions).
    ("—", "view_project", "See a project, its lists and billing periods", EITHER, NO, YES, YES, YES),
    ("—", "view_contract", "See a contract, its SOV, change orders and invoices", OF_CONTRACT, NO, YES, YES, YES),
    ("—", "manage_contract", "Create and edit contracts, SOV lines, change orders and client invoices", OF_CONTRACT, NO, NO, NO, YES),
]
# fmt: on

ACTIONS = {
    name: Action(code, name, description, tool, *cells)
    for code, name, description, tool, *cells in _ROWS
}


def action(name):
    return ACTIONS[name]


def allowed(name, facts):
    """May a user with these facts do this action? Rule 3 included; rules 1, 2, 4 and 5 are
    in the table itself and in how the facts are gathered."""
    act = ACTIONS[name]
    if facts.level == Level.NONE:
        return False
    # Rule 3: below Admin, a private commitment is out of reach unless the user is on its
    # private list or its invoice contact.
    hidden = facts.is_private and not (facts.on_private_list or facts.is_contact)
    if hidden and facts.level < Level.ADMIN:
        return False
    cell = act.cell(facts.level)
    if cell is Cell.YES:
        return True
    if cell is Cell.CONTACT:
        return facts.is_contact
    if cell is Cell.CONTACT_PRIVATE:
        return facts.is_contact and (facts.level > Level.READ_ONLY or facts.on_private_list)
    if cell is Cell.PRIVATE_OR_CONTACT:
        return facts.on_private_list or facts.is_contact
    return False
