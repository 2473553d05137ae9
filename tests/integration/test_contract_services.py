"""Contracts, SOVs, change orders, subcontractor SOVs and billing periods, through services."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django_scopes import scope

from billing import services as billing_services
from billing.models import BillingPeriod
from contracts import services
from contracts.models import ChangeOrder, Contract
from invoices.services import invoice_create, invoice_submit
from tests.factories import BillingPeriodFactory, ContractFactory, SOVLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_scope(company):
    with scope(company=company):
        yield


@pytest.fixture
def contract(project):
    return ContractFactory(project=project)


def test_sov_lines_are_added_moved_and_deleted_in_order(contract):
    first = services.sov_line_add(contract=contract, description="Rough-in", scheduled_value=D("1"))
    second = services.sov_line_add(contract=contract, description="Trim", scheduled_value=D("2"))
    assert (first.number, second.number) == ("1", "2")
    services.sov_line_move(line=second, up=True)
    assert [line.description for line in contract.sov_lines.all()] == ["Trim", "Rough-in"]
    services.sov_line_delete(line=first)
    assert [line.description for line in contract.sov_lines.all()] == ["Trim"]


def test_the_accounting_method_is_fixed_once_lines_exist(contract):
    SOVLineFactory(contract=contract)
    with pytest.raises(ValidationError, match="fixed once the SOV has lines"):
        services.contract_update(
            contract=contract, acting_user=None, accounting_method=Contract.AccountingMethod.UNIT
        )


def test_a_unit_line_needs_quantity_and_price(project):
    contract = ContractFactory(project=project, accounting_method=Contract.AccountingMethod.UNIT)
    with pytest.raises(ValidationError, match="quantity and a unit price"):
        services.sov_line_add(contract=contract, description="x", quantity=D("3"), unit_price=None)


def test_the_sov_is_locked_once_invoiced(contract, project, admin):
    line = SOVLineFactory(contract=contract)
    invoice_create(
        contract=contract, period=BillingPeriodFactory(project=project), acting_user=admin
    )
    with pytest.raises(ValidationError, match="through change orders"):
        services.sov_line_update(line=line, description="changed")
    with pytest.raises(ValidationError, match="through change orders"):
        services.sov_line_add(contract=contract, description="new", scheduled_value=D("1"))


def test_change_order_cycle(contract):
    change_order = services.change_order_create(contract=contract, title="Add outlets")
    assert change_order.number == "CO-1"
    with pytest.raises(ValidationError, match="at least one line"):
        services.change_order_set_status(
            change_order=change_order, status=ChangeOrder.Status.APPROVED, approved_on=date.today()
        )
    services.change_order_line_add(
        change_order=change_order, description="Outlets", scheduled_value=D("1500.00")
    )
    services.change_order_line_add(
        change_order=change_order, description="Credit: fixtures", scheduled_value=D("-300.00")
    )
    with pytest.raises(ValidationError, match="date the change order was approved"):
        services.change_order_set_status(
            change_order=change_order, status=ChangeOrder.Status.APPROVED
        )
    services.change_order_set_status(
        change_order=change_order, status=ChangeOrder.Status.APPROVED, approved_on=date(2026, 1, 9)
    )
    assert [line.number for line in change_order.lines.all()] == ["CO-1.1", "CO-1.2"]
    with pytest.raises(ValidationError, match="only draft and pending"):
        services.change_order_line_add(
            change_order=change_order, description="late", scheduled_value=D("1")
        )


def test_a_billed_change_order_cannot_be_withdrawn(contract, project, admin):
    SOVLineFactory(contract=contract)
    change_order = services.change_order_create(contract=contract, title="Extra")
    services.change_order_line_add(
        change_order=change_order, description="x", scheduled_value=D("9")
    )
    services.change_order_set_status(
        change_order=change_order, status=ChangeOrder.Status.APPROVED, approved_on=date(2026, 1, 2)
    )
    invoice = invoice_create(
        contract=contract, period=BillingPeriodFactory(project=project), acting_user=admin
    )
    assert invoice.contract_sum_to_date == D("10009.00")
    invoice_submit(invoice=invoice, acting_user=admin)
    with pytest.raises(ValidationError, match="billed on a submitted invoice"):
        services.change_order_set_status(change_order=change_order, status=ChangeOrder.Status.VOID)


def test_a_change_order_approved_later_joins_the_draft_invoice(contract, project, admin):
    SOVLineFactory(contract=contract)
    period = BillingPeriodFactory(project=project)
    invoice = invoice_create(contract=contract, period=period, acting_user=admin)
    change_order = services.change_order_create(contract=contract, title="Extra")
    services.change_order_line_add(
        change_order=change_order, description="x", scheduled_value=D("9")
    )
    services.change_order_set_status(
        change_order=change_order, status=ChangeOrder.Status.APPROVED, approved_on=period.start_date
    )
    invoice.refresh_from_db()
    assert invoice.net_change_by_change_orders == D("9.00")
    # Another refresh (new terms) finds the change order's line billed: it is not added again.
    services.contract_update(contract=contract, acting_user=admin, retainage_work_rate=D("5"))
    assert list(invoice.lines.values_list("position", "change_order_line")) == [
        (1, None),
        (2, change_order.lines.get().pk),
    ]
    services.change_order_set_status(change_order=change_order, status=ChangeOrder.Status.VOID)
    invoice.refresh_from_db()
    assert invoice.net_change_by_change_orders == D("0.00")
    assert invoice.lines.count() == 1


LARGEST = D("999999999999.99")


def test_a_change_order_cannot_take_the_contract_sum_beyond_what_invoices_hold(
    contract, project, admin
):
    """Each line fits its column; their sum must fit the invoices' columns too, or every page
    of the contract would fail to read its invoice back."""
    SOVLineFactory(contract=contract, scheduled_value=D("500000000000.00"))
    period = BillingPeriodFactory(project=project)
    invoice = invoice_create(contract=contract, period=period, acting_user=admin)
    change_order = services.change_order_create(contract=contract, title="Huge")
    for _ in range(2):
        services.change_order_line_add(
            change_order=change_order, description="x", scheduled_value=LARGEST
        )
    with pytest.raises(ValidationError) as refused:
        services.change_order_set_status(
            change_order=change_order,
            status=ChangeOrder.Status.APPROVED,
            approved_on=period.start_date,
        )
    assert refused.value.messages == [
        "The net change by change orders would be 1,999,999,999,999.98, beyond what it holds "
        "(at most ±999,999,999,999.99)."
    ]
    change_order.refresh_from_db()
    invoice.refresh_from_db()
    assert change_order.status == ChangeOrder.Status.DRAFT
    assert (invoice.contract_sum_to_date, invoice.lines.count()) == (D("500000000000.00"), 1)


def test_sov_lines_cannot_add_up_beyond_what_invoices_hold(contract):
    services.sov_line_add(contract=contract, description="a", scheduled_value=LARGEST)
    with pytest.raises(ValidationError, match="The original contract sum would be"):
        services.sov_line_add(contract=contract, description="b", scheduled_value=D("0.01"))
    line = services.sov_line_add(contract=contract, description="c", scheduled_value=D("-5"))
    with pytest.raises(ValidationError, match="The original contract sum would be"):
        services.sov_line_update(line=line, scheduled_value=D("5"))
    assert [each.description for each in contract.sov_lines.all()] == ["a", "c"]


def test_ssov_details_must_sum_exactly_to_their_line(contract, project, admin):
    contract.ssov_required = True
    contract.save()
    line = SOVLineFactory(contract=contract, number="1", scheduled_value=D("1000.00"))
    services.ssov_line_add(sov_line=line, description="Labour", scheduled_value=D("600.00"))
    services.ssov_line_add(sov_line=line, description="Material", scheduled_value=D("399.99"))
    with pytest.raises(ValidationError, match=r"off by -0.01"):
        services.ssov_set_status(contract=contract, status=Contract.SSOVStatus.UNDER_REVIEW)
    services.ssov_line_add(sov_line=line, description="Rounding", scheduled_value=D("0.01"))
    period = BillingPeriodFactory(project=project)
    services.ssov_set_status(contract=contract, status=Contract.SSOVStatus.UNDER_REVIEW)
    with pytest.raises(ValidationError, match="needs an approved subcontractor SOV"):
        invoice_create(contract=contract, period=period, acting_user=admin)
    with pytest.raises(ValidationError, match="cannot become draft"):
        services.ssov_set_status(contract=contract, status=Contract.SSOVStatus.DRAFT)
    services.ssov_set_status(contract=contract, status=Contract.SSOVStatus.APPROVED)
    invoice = invoice_create(contract=contract, period=period, acting_user=admin)
    billed = [(line.number, line.scheduled_value) for line in invoice.lines.all()]
    assert billed == [("1.1", D("600.00")), ("1.2", D("399.99")), ("1.3", D("0.01"))]
    # A refresh of the draft finds every detail line billed, and bills their line no more.
    services.contract_update(contract=contract, acting_user=admin, retainage_work_rate=D("5"))
    assert [(line.number, line.scheduled_value) for line in invoice.lines.all()] == billed


def test_at_most_five_retainage_rules(contract):
    rules = [(D(p), D("5")) for p in (0, 20, 40, 60, 80, 90)]
    with pytest.raises(ValidationError, match="at most 5"):
        services.retainage_rules_set(contract=contract, rules=rules)
    services.retainage_rules_set(contract=contract, rules=rules[:5])
    assert len(contract.sliding_scale) == 5


class TestBillingPeriods:
    def create(self, project, start, end, due, **kwargs):
        return billing_services.period_create(
            project=project, start_date=start, end_date=end, due_date=due, **kwargs
        )

    def test_periods_follow_one_another(self, project):
        first = self.create(project, date(2026, 1, 1), date(2026, 1, 31), date(2026, 1, 25))
        second = self.create(project, date(2026, 2, 1), date(2026, 2, 28), date(2026, 2, 25))
        assert (first.position, second.position) == (1, 2)
        with pytest.raises(ValidationError, match="starts after Feb 28, 2026"):
            self.create(project, date(2026, 2, 15), date(2026, 3, 15), date(2026, 3, 10))

    def test_dates_are_checked(self, project):
        with pytest.raises(ValidationError) as refused:
            self.create(project, date(2026, 1, 31), date(2026, 1, 1), date(2025, 12, 1))
        assert set(refused.value.message_dict) == {"end_date", "due_date"}

    def test_an_edit_may_not_overlap_a_neighbour(self, project):
        first = self.create(project, date(2026, 1, 1), date(2026, 1, 31), date(2026, 1, 25))
        self.create(project, date(2026, 2, 1), date(2026, 2, 28), date(2026, 2, 25))
        with pytest.raises(ValidationError, match="overlap Period 2"):
            billing_services.period_update(
                period=first,
                start_date=date(2026, 1, 1),
                end_date=date(2026, 2, 3),
                due_date=date(2026, 1, 25),
            )

    def test_opening_the_next_closes_the_previous(self, project):
        first = self.create(
            project, date(2026, 1, 1), date(2026, 1, 31), date(2026, 1, 25), open_it=True
        )
        second = self.create(project, date(2026, 2, 1), date(2026, 2, 28), date(2026, 2, 25))
        billing_services.period_open(period=second)
        first.refresh_from_db()
        assert (first.status, second.status) == ("closed", "open")

    def test_the_database_allows_one_open_period(self, project):
        BillingPeriodFactory(project=project, status=BillingPeriod.Status.OPEN)
        with pytest.raises(IntegrityError):
            BillingPeriodFactory(project=project, status=BillingPeriod.Status.OPEN)
