"""The demo's payments (docs/payments.md): on each billed project, a commitment paid in
full, one partly paid and one left unpaid; a client invoice with a payment received and a
schedule whose first expected payment is overdue; one payment voided, with its reason; a
vendor's payment voided, its unsigned unconditional waiver withdrawn with it."""

from datetime import timedelta
from decimal import Decimal as D

from django.core.exceptions import ValidationError
from django.utils import timezone

from contracts.models import Contract
from demo.waivers import render_queued_waivers
from invoices.models import Invoice
from payments import selectors, services
from payments.models import Payment, PaymentScheduleItem


def seed_payments(project, *, admin):
    """Idempotent: a project with payments or a schedule is left as it is. The partly paid
    invoice is paid twice: on P-1001 it shows one unconditional waiver per payment."""
    if Payment.objects.filter(contract__project=project).exists():
        return
    today = timezone.localdate()
    payable = list(
        selectors.with_paid(
            Invoice.objects.filter(
                contract__project=project, status__in=selectors.PAYABLE_STATUSES
            ).exclude(contract__kind=Contract.Kind.CLIENT)
        )
        .filter(current_payment_due__gt=0)
        .select_related("contract")
        .order_by("contract__number", "sequence")
    )
    # One invoice per commitment: paid, partly paid, unpaid, in turn.
    firsts = {}
    for invoice in payable:
        firsts.setdefault(invoice.contract_id, invoice)
    partly_paid = None
    for index, invoice in enumerate(firsts.values()):
        contract = invoice.contract
        if not contract.payments_issued_enabled:
            services.payments_issued_set(contract=contract, enabled=True, acting_user=admin)
        shares = ((D("1"),), (D("0.25"), D("0.15")), ())[index % 3]
        for turn, share in enumerate(shares):
            amount = (invoice.current_payment_due * share).quantize(D("0.01"))
            if amount > 0:
                _pay(invoice, amount, admin, index, today - timedelta(days=5 - turn))
                partly_paid = invoice if index % 3 == 1 else partly_paid
    render_queued_waivers(project)
    if partly_paid is not None:
        _voided_payment(partly_paid, admin, today)
    _client_invoice(project, admin, today)


def _voided_payment(invoice, admin, today):
    """A payment entered by mistake and voided: its unconditional waiver, sent and not
    signed, is withdrawn with it (docs/waivers.md); the invoice page's waiver panel shows
    it as Withdrawn, with the reason."""
    amount = (invoice.current_payment_due * D("0.05")).quantize(D("0.01"))
    if amount <= 0:
        return
    payment = _pay(invoice, amount, admin, 1, today - timedelta(days=2))
    render_queued_waivers(invoice.contract.project)
    services.payment_void(
        payment=payment, reason="Wrong invoice: keyed in error", acting_user=admin
    )


def _pay(invoice, amount, admin, index, day):
    fields = {
        "contract": invoice.contract,
        "allocations": [(invoice, amount)],
        "acting_user": admin,
        "method": Payment.Method.CHECK if index % 2 == 0 else Payment.Method.ELECTRONIC,
        "paid_on": day,
        "check_number": f"{10400 + index}" if index % 2 == 0 else "",
        "notes": "Demo payment",
    }
    try:
        return services.payment_record(**fields)
    except ValidationError:
        # The project requires a signed conditional waiver and none is signed yet: the
        # admin's recorded reason lets the payment through (docs/payments.md, gates).
        return services.payment_record(
            **fields, override_reason="Conditional waiver signed on paper on site"
        )


def _client_invoice(project, admin, today):
    invoice = (
        Invoice.objects.filter(contract__project=project, contract__kind=Contract.Kind.CLIENT)
        .exclude(status__in=Invoice.EDITABLE_STATUSES)
        .select_related("contract")
        .order_by("sequence")
        .first()
    )
    if invoice is None or invoice.current_payment_due <= 0:
        return
    if PaymentScheduleItem.objects.filter(invoice=invoice).exists():
        return
    due = invoice.current_payment_due
    half = (due / 2).quantize(D("0.01"))
    services.schedule_item_add(
        invoice=invoice, expected_on=today - timedelta(days=10), amount=half, acting_user=admin
    )
    services.schedule_item_add(
        invoice=invoice,
        expected_on=today + timedelta(days=20),
        amount=due - half,
        acting_user=admin,
    )
    if invoice.status in selectors.PAYABLE_STATUSES:
        received = (half / 2).quantize(D("0.01"))
        services.payment_record(
            contract=invoice.contract,
            allocations=[(invoice, received)],
            acting_user=admin,
            method=Payment.Method.WIRE,
            paid_on=today - timedelta(days=8),
            notes="Owner's first draw, short of the schedule: the rest is overdue",
        )
        mistaken = services.payment_record(
            contract=invoice.contract,
            allocations=[(invoice, received)],
            acting_user=admin,
            method=Payment.Method.WIRE,
            paid_on=today - timedelta(days=8),
            notes="Entered twice",
        )
        services.payment_void(
            payment=mistaken, reason="Entered twice by mistake", acting_user=admin
        )
