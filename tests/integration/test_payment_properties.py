"""Paid states and totals over random sequences of payments, allocations and voids
(hypothesis): always what the allocations say, to the cent; never more than is due."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django_scopes import scope
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.models import Contract
from contracts.money import ZERO
from invoices.models import Invoice
from invoices.services import invoice_create
from payments import selectors, services
from payments.models import Payment, PaymentAllocation
from tests.factories import BillingPeriodFactory, ContractFactory, SOVLineFactory

pytestmark = pytest.mark.django_db

INVOICES = 3


@pytest.fixture
def world(company, project, admin):
    commitment = ContractFactory(project=project, number="SC-9")
    Contract.objects.with_scopes_disabled().filter(pk=commitment.pk).update(
        payments_issued_enabled=True
    )
    commitment.refresh_from_db()
    SOVLineFactory(contract=commitment, scheduled_value=D("100000.00"))
    invoices = []
    with scope(company=company):
        for _ in range(INVOICES):
            period = BillingPeriodFactory(project=project)
            invoice = invoice_create(contract=commitment, period=period, acting_user=None)
            Invoice.objects.filter(pk=invoice.pk).update(status="approved")
            invoices.append(invoice)
    return {"company": company, "commitment": commitment, "invoices": invoices, "admin": admin}


cents = st.integers(0, 300_00).map(lambda n: D(n) / 100)
pay = st.tuples(
    st.just("pay"),
    st.lists(
        st.tuples(st.integers(0, INVOICES - 1), st.integers(1, 200_00)), min_size=1, max_size=3
    ),
)
void = st.tuples(st.just("void"), st.integers(0, 20))
steps = st.lists(st.one_of(pay, void), min_size=1, max_size=12)
statuses = st.sampled_from(["approved", "approved_as_noted", "under_review"])


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    dues=st.lists(cents, min_size=INVOICES, max_size=INVOICES),
    states=st.lists(statuses, min_size=INVOICES, max_size=INVOICES),
    sequence=steps,
)
def test_derived_states_always_equal_the_allocations(world, dues, states, sequence):
    commitment, invoices, admin = world["commitment"], world["invoices"], world["admin"]
    with scope(company=world["company"]):
        PaymentAllocation.objects.filter(payment__contract=commitment).delete()
        Payment.objects.filter(contract=commitment).delete()
        for invoice, due, status in zip(invoices, dues, states, strict=True):
            Invoice.objects.filter(pk=invoice.pk).update(current_payment_due=due, status=status)
            invoice.refresh_from_db()
        # The model: what each live payment pays of each invoice.
        live = []  # [(payment, {index: amount})], voided ones dropped
        recorded = []
        for step in sequence:
            if step[0] == "void":
                if not recorded:
                    continue
                payment, _ = recorded[step[1] % len(recorded)]
                entry = next((e for e in live if e[0].pk == payment.pk), None)
                try:
                    services.payment_void(payment=payment, reason="Bounced", acting_user=admin)
                except ValidationError:
                    assert entry is None  # only a void payment refuses voiding
                else:
                    live.remove(entry)
                continue
            wanted = {}
            for index, amount_cents in step[1]:
                wanted[index] = wanted.get(index, ZERO) + D(amount_cents) / 100
            paid = _model_paid(live)
            allowed = all(
                states[index] != "under_review" and amount <= dues[index] - paid[index]
                for index, amount in wanted.items()
            )
            try:
                payment = services.payment_record(
                    contract=commitment,
                    allocations=[(invoices[i], str(a)) for i, a in wanted.items()],
                    acting_user=admin,
                    paid_on="2027-01-15",
                    method="check",
                )
            except ValidationError as error:
                assert not allowed, (wanted, paid, dues, error)
            else:
                assert allowed, (wanted, paid, dues)
                assert payment.amount == sum(wanted.values(), ZERO)
                live.append((payment, wanted))
                recorded.append((payment, wanted))
        paid = _model_paid(live)
        rows = {i.pk: i for i in selectors.with_paid(Invoice.objects.filter(contract=commitment))}
        for index, invoice in enumerate(invoices):
            expected = paid[index]
            assert rows[invoice.pk].paid == expected
            assert selectors.invoice_paid(invoice) == expected
            assert expected <= max(dues[index], ZERO)  # never more than was due
            state = selectors.paid_state(expected, dues[index])
            assert rows[invoice.pk].paid_state == state
            assert selectors.invoice_payment_facts(invoice)["state"] == state
            if expected == 0:
                assert state == "unpaid"
            elif expected == dues[index]:
                assert state == "paid"
            else:
                assert state == "partially_paid"
        totals = selectors.contract_payment_totals(commitment)
        assert totals["paid"] == sum(paid.values(), ZERO)
        assert totals["balance_outstanding"] == totals["contract_sum_to_date"] - totals["paid"]
        counted = (
            PaymentAllocation.objects.filter(
                payment__contract=commitment, payment__voided_at__isnull=True
            ).aggregate(total=Sum("amount"))["total"]
            or ZERO
        )
        assert counted == totals["paid"]
        live_amounts = sum((p.amount for p, _ in live), ZERO)
        assert live_amounts == totals["paid"]


def _model_paid(live):
    paid = dict.fromkeys(range(INVOICES), ZERO)
    for _, wanted in live:
        for index, amount in wanted.items():
            paid[index] += amount
    return paid
