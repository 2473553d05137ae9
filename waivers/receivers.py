"""What waivers does when invoices act (docs/waivers.md): invoices sits below and knows
nothing of waivers; its events are read here."""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction

from invoices.models import Invoice

from . import services

logger = logging.getLogger(__name__)
ASKING = (Invoice.Status.UNDER_REVIEW, Invoice.Status.APPROVED, Invoice.Status.APPROVED_AS_NOTED)


def invoice_event_saved(sender, instance, created, **kwargs):
    """Submitted or approved: the conditional waiver for this payment goes to the
    contact, when the project requires one (approved as noted may change the amount: the
    unsigned waiver is replaced)."""
    if not created or instance.to_status not in ASKING:
        return
    invoice = instance.invoice
    if not invoice.contract.is_commitment:
        return
    if not services.waiver_settings(invoice.contract.project).require_conditional:
        return
    if services.signer_for(invoice.contract) is None or invoice.current_payment_due <= 0:
        return  # nobody to sign, or nothing to pay: the gate holds any payment
    # The invoice's action never fails for its waiver (a template saved before a check
    # was added, say): the panel offers to send it, and the gate holds the payment.
    try:
        with transaction.atomic():
            services.waiver_request_conditional(invoice=invoice, acting_user=instance.actor)
    except ValidationError:
        logger.warning("No conditional waiver asked for invoice %s", invoice.pk, exc_info=True)
