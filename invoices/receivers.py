"""What invoices do when a contract changes: contracts sit below invoices and import none
of it, so they send signals (contracts.signals) that these receivers answer; connected in
invoices.apps (docs/tenancy.md, the layers)."""

from django.core.exceptions import ValidationError

from .models import Invitation, Invoice, InvoiceLine
from .services import invoice_drafts_refresh


def contract_terms_changed(sender, *, contract, **kwargs):
    invoice_drafts_refresh(contract=contract)


def change_order_withdrawn(sender, *, change_order, **kwargs):
    """A change order billed on a submitted invoice stays; withdrawn, it leaves the drafts."""
    lines = InvoiceLine.objects.filter(change_order_line__change_order=change_order)
    if lines.exclude(invoice__status__in=Invoice.EDITABLE_STATUSES).exists():
        raise ValidationError(
            f"Change order {change_order.number} has been billed on a submitted invoice; "
            "correct it with another change order."
        )
    lines.delete()


def invoice_contacts_removed(sender, *, contract, people, **kwargs):
    """A person taken off a commitment's invoice contacts loses the links sent to them."""
    contract.invitations.filter(contact__in=people, status=Invitation.Status.INVITED).update(
        status=Invitation.Status.REVOKED
    )
