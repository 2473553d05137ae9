"""Reads of payments: what an invoice has been paid, its paid state, a contract's totals.

Everything is derived from the allocations of payments not voided, in the database, never
stored (docs/payments.md): a voided payment stops counting the moment it is voided.
"""

from decimal import Decimal

from django.db.models import Case, DecimalField, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from billing.templatetags import money as formats
from contracts.models import MONEY
from contracts.money import ZERO, money
from contracts.selectors import contract_sums
from invoices.models import Invoice

from .models import Payment, PaymentAllocation, PaymentScheduleItem

# An invoice is paid once approved (for a client invoice: by the owner).
PAYABLE_STATUSES = (Invoice.Status.APPROVED, Invoice.Status.APPROVED_AS_NOTED)

UNPAID, PARTIAL, PAID = "unpaid", "partially_paid", "paid"
PAID_STATES = {UNPAID: "Unpaid", PARTIAL: "Partially paid", PAID: "Paid"}

COUNTED = Q(payment__voided_at__isnull=True)


def paid_state(paid, due):
    """Unpaid while nothing counts, Paid once the payments cover what is due, else
    Partially paid. The same rule as `with_paid`'s annotation, for one invoice in hand."""
    if paid <= 0:
        return UNPAID
    return PAID if paid >= due else PARTIAL


def _paid_subquery():
    # A subquery, not a join: a list that also sums other relations is not multiplied.
    return Coalesce(
        Subquery(
            PaymentAllocation.objects.filter(COUNTED, invoice=OuterRef("pk"))
            .order_by()
            .values("invoice")
            .annotate(total=Sum("amount"))
            .values("total"),
            output_field=DecimalField(**MONEY),
        ),
        Value(ZERO),
        output_field=DecimalField(**MONEY),
    )


def with_paid(invoices):
    """Invoices annotated with `paid` (what counted payments allocate to each), `unpaid`
    (what is still due) and `paid_state`."""
    return invoices.annotate(paid=_paid_subquery()).annotate(
        unpaid=Case(
            When(paid__lt=F("current_payment_due"), then=F("current_payment_due") - F("paid")),
            default=Value(ZERO),
            output_field=DecimalField(**MONEY),
        ),
        paid_state=Case(
            When(paid__lte=0, then=Value(UNPAID)),
            When(paid__gte=F("current_payment_due"), then=Value(PAID)),
            default=Value(PARTIAL),
        ),
    )


def paid_totals(invoices, **more):
    """Sums over a list of invoices (the whole filtered list, not one page): what is due,
    paid and still unpaid, in one aggregate. Fresh expressions over the invoices' ids, not
    the list's own annotations, which an aggregate of a sliced or ordered list loses."""
    paid = _paid_subquery()
    money_field = DecimalField(**MONEY)
    totals = Invoice.objects.filter(pk__in=invoices.order_by().values("pk")).aggregate(
        due=Coalesce(Sum("current_payment_due"), Value(ZERO)),
        paid=Coalesce(Sum(paid), Value(ZERO)),
        unpaid=Coalesce(
            Sum(
                Case(
                    When(current_payment_due__gt=paid, then=F("current_payment_due") - paid),
                    default=Value(ZERO),
                    output_field=money_field,
                )
            ),
            Value(ZERO),
        ),
        **more,
    )
    # SQLite's sums come back as Decimals of any exponent (10530, 35059.5): to the cent, as
    # every amount shown or exported (README, money).
    return {name: as_money(value) for name, value in totals.items()}


def as_money(value):
    """An amount read from the database, to the cent whatever the backend returned."""
    return money(Decimal(value)) if value is not None else None


def invoice_paid(invoice):
    """What counted payments allocate to one invoice."""
    return PaymentAllocation.objects.filter(COUNTED, invoice=invoice).aggregate(
        total=Coalesce(Sum("amount"), Value(ZERO))
    )["total"]


def paid_in_full(invoice):
    """Approved and nothing left to pay: counted payments cover its payment due."""
    return invoice.status in PAYABLE_STATUSES and amount_due(invoice) <= 0


def amount_due(invoice, paid=None):
    """What may still be paid on `invoice`: nothing unless approved, else its current
    payment due less what counted payments already pay of it."""
    if invoice.status not in PAYABLE_STATUSES:
        return ZERO
    paid = invoice_paid(invoice) if paid is None else paid
    return max(invoice.current_payment_due - paid, ZERO)


def invoice_payment_facts(invoice):
    paid = invoice_paid(invoice)
    return {
        "paid": paid,
        "due": invoice.current_payment_due,
        "outstanding": max(invoice.current_payment_due - paid, ZERO),
        "state": paid_state(paid, invoice.current_payment_due),
        "label": PAID_STATES[paid_state(paid, invoice.current_payment_due)],
        "payable": invoice.status in PAYABLE_STATUSES,
    }


def contract_payment_totals(contract):
    """Total paid, % paid of the contract sum to date, and the balance outstanding (the
    contract sum to date less what was paid), with what approved invoices still await."""
    paid = PaymentAllocation.objects.filter(COUNTED, invoice__contract=contract).aggregate(
        total=Coalesce(Sum("amount"), Value(ZERO))
    )["total"]
    sum_to_date = contract_sums(contract)["revised_sum"] or ZERO
    approved = paid_totals(contract.invoices.filter(status__in=PAYABLE_STATUSES))["unpaid"]
    percent = money(paid * 100 / sum_to_date) if sum_to_date else ZERO
    return {
        "paid": paid,
        "contract_sum_to_date": sum_to_date,
        "percent_paid": percent,
        "balance_outstanding": sum_to_date - paid,
        "approved_unpaid": approved,
    }


def contract_payments(contract):
    return (
        Payment.objects.filter(contract=contract)
        .select_related("created_by", "voided_by")
        .prefetch_related("allocations__invoice")
        .order_by("-paid_on", "-pk")
    )


def contract_invoices(contract):
    """The contract's invoices with what each was paid, newest first."""
    return with_paid(contract.invoices.all()).order_by("-sequence")


def payable_invoices(contract):
    """Approved invoices of the contract that still have something due, oldest first."""
    return (
        with_paid(contract.invoices.filter(status__in=PAYABLE_STATUSES))
        .filter(unpaid__gt=0)
        .order_by("sequence")
    )


def schedule_of(invoice, *, today):
    """The invoice's schedule, each item with what was received towards it and whether it
    is overdue: payments received fill the items in date order (the earliest first)."""
    received = invoice_paid(invoice)
    rows = []
    for item in PaymentScheduleItem.objects.filter(invoice=invoice).order_by("expected_on", "pk"):
        covered = min(item.amount, received)
        received -= covered
        rows.append(
            {
                "item": item,
                "received": covered,
                "short": item.amount - covered,
                "overdue": covered < item.amount and item.expected_on < today,
            }
        )
    return rows


def scheduled_total(invoice):
    return PaymentScheduleItem.objects.filter(invoice=invoice).aggregate(
        total=Coalesce(Sum("amount"), Value(ZERO))
    )["total"]


def paid_by_invoice(invoice_ids):
    """{invoice id: what counted payments allocate to it} for many invoices: one query."""
    rows = (
        PaymentAllocation.objects.filter(COUNTED, invoice_id__in=invoice_ids)
        .order_by()
        .values("invoice_id")
        .annotate(total=Sum("amount"))
    )
    return {row["invoice_id"]: as_money(row["total"]) for row in rows}


def paid_states_of(rows):
    """{invoice id: {state, label, paid, due}} for the invoicing page's rows: one query. Its
    page's Paid state column and its export's both read it. An invoice not approved yet is
    not payable: it has no paid state (the cell shows "—")."""
    ids = [row.invoice.pk for row in rows if row.invoice is not None]
    paid = paid_by_invoice(ids)
    found = {}
    for row in rows:
        invoice = row.invoice
        if invoice is None or invoice.status not in PAYABLE_STATUSES:
            continue
        amount = paid.get(invoice.pk, ZERO)
        state = paid_state(amount, invoice.current_payment_due)
        found[invoice.pk] = {
            "state": state,
            "label": PAID_STATES[state],
            "paid": amount,
            "due": invoice.current_payment_due,
        }
    return found


def invoicing_paid_texts(rows, *, project):
    """The invoicing export's Paid state column (invoices.exports): each row's text as the
    page's cell shows it (templates/payments/partials/invoicing_paid_cell.html)."""
    states = paid_states_of(rows)
    texts = []
    for row in rows:
        if row.invoice is None:
            texts.append("")
            continue
        state = states.get(row.invoice.pk)
        if state is None:
            texts.append("—")
        elif state["state"] == "paid":
            texts.append(f"{state['label']} {formats.money(state['paid'])}")
        elif state["state"] == "partially_paid":
            texts.append(
                f"{state['label']} {formats.money(state['paid'])} of {formats.money(state['due'])}"
            )
        else:
            texts.append(state["label"])
    return texts
