"""The payment gate (docs/waivers.md): a payment on an invoice whose project requires a
conditional waiver is refused until it is signed; an Admin may override, with a reason,
recorded. The payments app, above this one, calls it (the lead wires it in)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from permissions.access import permissions_of

from . import services
from .models import WaiverOverride

OVERRIDE_ACTION = "create_payment_issued"  # T2-4: Admin on Commitments


def _may_override(invoice, user):
    return permissions_of(user, invoice.contract.project).can(OVERRIDE_ACTION, obj=invoice)


@transaction.atomic
def conditional_waiver_gate(invoice, acting_user, override_reason=""):
    """Pass, or raise ValidationError naming what is missing. An override with a reason by
    an Admin passes and is recorded (WaiverOverride); by anyone else it is refused."""
    if not invoice.contract.is_commitment:
        return None
    if not services.waiver_settings(invoice.contract.project).require_conditional:
        return None
    if services.conditional_signed(invoice):
        return None
    reason = " ".join((override_reason or "").split())
    if not reason:
        raise ValidationError(
            f"{invoice.title} has no signed conditional lien waiver, which this project "
            "requires before a payment. An admin may override it, with a reason."
        )
    if acting_user is None or not _may_override(invoice, acting_user):
        raise ValidationError("Only an Admin on Commitments may override the waiver requirement.")
    return WaiverOverride.objects.create(
        invoice=invoice, reason=reason[:2000], overridden_by=acting_user
    )
