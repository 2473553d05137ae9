"""Checks that apps above invoices add to its actions (docs/compliance.md): invoices cannot
import them, so they register here, from their AppConfig.ready(). A gate is a callable
taking the invoice; it raises ValidationError to refuse, and the action changes nothing
(each runs inside its action's transaction)."""

from .models import Invoice

SUBMIT_GATES = []
APPROVE_GATES = []
APPROVED = (Invoice.Status.APPROVED, Invoice.Status.APPROVED_AS_NOTED)


def run(gates, invoice):
    for gate in gates:
        gate(invoice)


def approving(invoice, status):
    """The approve gates, when `status` approves the invoice."""
    if status in APPROVED:
        run(APPROVE_GATES, invoice)
