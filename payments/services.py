"""Writes on payments: record one (with its allocations), void one, plan a client's
payments (docs/payments.md).

Overpaying is refused under a lock: the invoices a payment covers are locked
(select_for_update) before what is due on them is read, so two payments recorded at once
wait for each other and the second sees the first's allocations.
"""

import logging
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from contracts.models import MONEY, Contract, out_of_range
from contracts.money import ZERO, money
from invoices.backups import checked_upload
from invoices.models import Invoice
from waivers.services import waiver_request_unconditional, waivers_payment_voided

from . import gates, selectors
from .models import Payment, PaymentAllocation, PaymentScheduleItem, PaymentSettings

logger = logging.getLogger(__name__)


def _amount(value, field):
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: "Enter an amount."}) from None
    if not amount.is_finite():
        raise ValidationError({field: "Enter an amount."})
    if message := out_of_range(MONEY, amount, "The amount"):
        raise ValidationError({field: message})
    return money(amount)


def _check_attachment(upload):
    if not upload:
        return
    try:
        checked_upload(upload)
    except ValidationError as error:
        raise ValidationError({"attachment": error.messages}) from None


def _next_number(contract):
    """One more than the contract's highest numeric payment number ("1" for the first)."""
    numbers = Payment.objects.filter(contract=contract).values_list("number", flat=True)
    return str(max((int(n) for n in numbers if n.isdigit() and len(n) < 18), default=0) + 1)


@transaction.atomic
def payment_record(*, contract, allocations, acting_user, override_reason="", **fields):
    """Record a payment issued (on a commitment) or received (on a client contract).

    `allocations`: (invoice, amount) pairs, what the payment pays of each invoice of the
    contract. The payment's amount is their sum (an `amount` given must equal it). Each is
    at most what is still due on an approved invoice, read under a lock on the invoices.
    Before a payment issued is written, every gate in payments.gates may refuse it.
    """
    kind = Payment.Kind.ISSUED if contract.is_commitment else Payment.Kind.RECEIVED
    if kind == Payment.Kind.ISSUED and not contract.payments_issued_enabled:
        raise ValidationError("The Payments Issued tab is off on this commitment.")
    wanted = {}
    for invoice, value in allocations:
        amount = _amount(value, "allocations")
        if amount == ZERO:
            continue
        if amount < 0:
            raise ValidationError({"allocations": "An amount paid is more than zero."})
        if invoice.contract_id != contract.pk:
            raise ValidationError({"allocations": f"{invoice.title} is not of this contract."})
        wanted[invoice.pk] = wanted.get(invoice.pk, ZERO) + amount
    if not wanted:
        raise ValidationError({"allocations": "Enter what the payment pays of an invoice."})
    total = sum(wanted.values(), ZERO)
    given = fields.get("amount")
    if given not in (None, "") and _amount(given, "amount") != total:
        raise ValidationError(
            {"amount": f"The amount is the sum of what it pays of each invoice: {total:,.2f}."}
        )
    fields["amount"] = total
    _check_attachment(fields.get("attachment"))
    # The contract's row first: payments of one contract are recorded one at a time, so two
    # never take the same next number (the invoices' locks below guard the amounts).
    Contract.objects.select_for_update(of=("self",)).filter(pk=contract.pk).exists()
    # Locked in id order, so that two payments covering the same invoices never deadlock.
    locked = list(
        Invoice.objects.select_for_update(of=("self",))
        .filter(pk__in=wanted, contract=contract)
        .order_by("pk")
    )
    if len(locked) != len(wanted):
        raise ValidationError({"allocations": "An invoice of this payment no longer exists."})
    for invoice in locked:
        invoice.contract = contract
        due = selectors.amount_due(invoice)
        if invoice.status not in selectors.PAYABLE_STATUSES:
            raise ValidationError(
                {"allocations": f"{invoice.title} is not approved: nothing is due on it yet."}
            )
        if wanted[invoice.pk] > due:
            raise ValidationError(
                {
                    "allocations": f"{invoice.title}: {wanted[invoice.pk]:,.2f} is more than "
                    f"the {due:,.2f} still due on it."
                }
            )
    if kind == Payment.Kind.ISSUED:
        for invoice in locked:
            for gate in gates.PAYMENT_GATES:
                gate(invoice, acting_user, override_reason or "")
    notices = []
    payment = Payment(
        kind=kind,
        contract=contract,
        created_by=acting_user,
        override_reason=override_reason or "",
        **fields,
    )
    if not payment.number:
        payment.number = _next_number(contract)
    payment.full_clean()
    payment.save()
    PaymentAllocation.objects.bulk_create(
        PaymentAllocation(payment=payment, invoice=invoice, amount=wanted[invoice.pk])
        for invoice in locked
    )
    if kind == Payment.Kind.ISSUED:
        # After a payment, the vendor's unconditional waiver for what was actually paid,
        # where the project requires one (docs/waivers.md).
        # A waiver that cannot be asked for (no contact to send it to) never undoes the
        # payment: the reason is handed back to be shown.
        for invoice in locked:
            try:
                waiver_request_unconditional(
                    invoice=invoice,
                    amount=wanted[invoice.pk],
                    payment_ref=payment.pk,
                    acting_user=acting_user,
                )
            except ValidationError as error:
                notices += [f"Unconditional waiver not requested: {m}" for m in error.messages]
    logger.info("Payment %s (%s) recorded by %s", payment.pk, payment.amount, acting_user)
    payment.notices = notices
    return payment


@transaction.atomic
def payment_void(*, payment, reason, acting_user):
    """Void a payment: kept, with who voided it, when and why; its allocations stop
    counting, so its invoices are due again. Its unconditional waivers still unsigned are
    withdrawn; signed ones stay and show the void (docs/waivers.md)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the payment is voided."})
    if len(reason) > 500:
        raise ValidationError({"reason": "At most 500 characters."})
    payment = Payment.objects.select_for_update(of=("self",)).get(pk=payment.pk)
    if payment.is_void:
        raise ValidationError(f"Payment {payment.number} is already void.")
    payment.voided_at = timezone.now()
    payment.voided_by = acting_user
    payment.void_reason = reason
    payment.save(update_fields=["voided_at", "voided_by", "void_reason"])
    withdrawn = waivers_payment_voided(
        payment_ref=payment.pk,
        reason=f"Payment {payment.number} voided: {reason}",
        acting_user=acting_user,
    )
    if withdrawn:
        logger.info("%s unsigned waiver(s) of payment %s withdrawn", withdrawn, payment.pk)
    logger.info("Payment %s voided by %s", payment.pk, acting_user)
    return payment


def payments_issued_set(*, contract, enabled, acting_user):
    """Show or hide the Payments Issued tab of a commitment (T1-15, T2-11). Only the tab:
    not contract_update, whose terms-changed signal refreshes the draft invoices."""
    contract.payments_issued_enabled = bool(enabled)
    contract.save(update_fields=["payments_issued_enabled", "updated_at"])
    logger.info(
        "Payments Issued tab of contract %s set to %s by %s", contract.pk, enabled, acting_user
    )
    return contract


@transaction.atomic
def schedule_item_add(*, invoice, expected_on, amount, acting_user):
    """Plan when the client should pay how much of a client invoice."""
    if invoice.contract.is_commitment:
        raise ValidationError("A payment schedule is for a client invoice.")
    amount = _amount(amount, "amount")
    if amount <= 0:
        raise ValidationError({"amount": "An expected amount is more than zero."})
    item = PaymentScheduleItem(invoice=invoice, expected_on=expected_on, amount=amount)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def schedule_item_delete(*, item, acting_user):
    item.delete()


def payment_settings(project):
    """The project's payment options, made with their defaults on first use."""
    settings, _ = PaymentSettings.objects.get_or_create(project=project)
    return settings


@transaction.atomic
def payment_settings_update(*, project, acting_user, **fields):
    settings = payment_settings(project)
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.full_clean()
    settings.save()
    return settings
