"""Invoices as data, through their services, on PostgreSQL."""

import threading
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_scopes import scope

from billing.models import BillingSettings
from contracts import services as contract_services
from contracts.models import ChangeOrder, Contract
from invoices import pay_application
from invoices.models import Invoice, InvoiceLine
from invoices.services import (
    StaleEdit,
    invoice_create,
    invoice_line_update,
    invoice_submit,
)
from tests.factories import BillingPeriodFactory, ContractFactory, SOVLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_scope(company):
    """Services run inside the tenant's scope, as they do behind a view."""
    with scope(company=company):
        yield


@pytest.fixture
def contract(project):
    contract = ContractFactory(project=project, number="SC-001", title="Electrical")
    SOVLineFactory(contract=contract, position=1, number="1", scheduled_value=D("60000.00"))
    SOVLineFactory(contract=contract, position=2, number="2", scheduled_value=D("40000.00"))
    return contract


@pytest.fixture
def periods(project):
    return [BillingPeriodFactory(project=project, position=n) for n in range(1, 13)]


def lines_of(invoice):
    return list(invoice.lines.order_by("position"))


def g702_recomputed(invoice):
    """The invoice as stored now: its G702 is the engine's over all its lines. The lines,
    and the engine's result."""
    invoice.refresh_from_db()
    lines = lines_of(invoice)
    full = pay_application.compute_invoice(
        invoice, lines, pay_application.retainage_policy(invoice.contract)
    )
    for name in (*pay_application.G702_FIELDS, *pay_application.RATE_FIELDS):
        assert getattr(invoice, name) == getattr(full.g702, name), name
    return lines, full


def edit(line, **entries):
    line.refresh_from_db()
    return invoice_line_update(line=line, version=line.version, **entries)[0]


def test_create_prefills_the_lines_and_numbers_the_invoice(contract, periods, admin):
    invoice = invoice_create(contract=contract, period=periods[0], acting_user=admin)
    assert (invoice.number, invoice.sequence, invoice.status) == ("1", 1, Invoice.Status.DRAFT)
    assert (invoice.period_start, invoice.period_end) == (
        periods[0].start_date,
        periods[0].end_date,
    )
    assert [(line.number, line.scheduled_value) for line in lines_of(invoice)] == [
        ("1", D("60000.00")),
        ("2", D("40000.00")),
    ]
    assert invoice.original_contract_sum == D("100000.00")
    assert invoice.current_payment_due == D("0.00")


def test_a_line_edit_updates_the_line_and_the_g702(contract, periods, admin):
    invoice = invoice_create(contract=contract, period=periods[0], acting_user=admin)
    first, _ = lines_of(invoice)
    line = edit(first, work_this_period=D("15000.00"), materials_stored=D("2000.00"))
    assert line.version == 2
    assert (line.completed_to_date, line.percent_complete) == (D("17000.00"), D("28.33"))
    assert (line.retainage_work_to_date, line.retainage_materials_to_date) == (
        D("1500.00"),
        D("100.00"),
    )
    invoice.refresh_from_db()
    assert invoice.total_completed_and_stored == D("17000.00")
    assert invoice.total_retainage == D("1600.00")
    assert invoice.current_payment_due == D("15400.00")


def test_percent_and_bill_to_100_entries(contract, periods, admin):
    invoice = invoice_create(contract=contract, period=periods[0], acting_user=admin)
    first, second = lines_of(invoice)
    assert edit(first, percent_complete=D("12.5")).work_this_period == D("7500.00")
    assert edit(second, complete=True).completed_to_date == D("40000.00")


def test_a_stale_edit_is_refused_and_returns_the_saved_line(contract, periods, admin):
    invoice = invoice_create(contract=contract, period=periods[0], acting_user=admin)
    first, _ = lines_of(invoice)
    invoice_line_update(line=first, version=1, work_this_period=D("100.00"))
    with pytest.raises(StaleEdit) as refused:
        invoice_line_update(line=first, version=1, work_this_period=D("999.00"))
    assert refused.value.line.work_this_period == D("100.00")
    first.refresh_from_db()
    assert (first.work_this_period, first.version) == (D("100.00"), 2)


def test_overbilling_is_refused_where_the_project_forbids_it(contract, periods, admin):
    invoice = invoice_create(contract=contract, period=periods[0], acting_user=admin)
    first, _ = lines_of(invoice)
    with pytest.raises(ValidationError) as refused:
        edit(first, work_this_period=D("60000.01"))
    assert "exceeds the scheduled value" in str(refused.value.message_dict["work_this_period"])
    first.refresh_from_db()
    assert (first.work_this_period, first.version) == (D("0.00"), 1)


def test_overbilling_is_flagged_where_the_project_allows_it(contract, periods, admin, project):
    BillingSettings.objects.create(project=project, overbilling=BillingSettings.Overbilling.WARN)
    invoice = invoice_create(contract=contract, period=periods[0], acting_user=admin)
    first, _ = lines_of(invoice)
    line = edit(first, work_this_period=D("60000.01"))
    assert line.overbilled
    assert line.balance_to_finish == D("-0.01")
    assert invoice_submit(invoice=invoice, acting_user=admin).status == Invoice.Status.UNDER_REVIEW


def test_an_invalid_entry_changes_nothing(contract, periods, admin):
    invoice = invoice_create(contract=contract, period=periods[0], acting_user=admin)
    first, _ = lines_of(invoice)
    with pytest.raises(ValidationError) as refused:
        edit(first, materials_stored=D("-5.00"))
    assert "materials_stored" in refused.value.message_dict
    with pytest.raises(ValidationError):
        edit(first, retainage_work_released=D("1.00"))  # a progress invoice releases nothing
    first.refresh_from_db()
    assert (first.materials_stored, first.retainage_work_released, first.version) == (
        D("0.00"),
        D("0.00"),
        1,
    )


def test_submit_freezes_and_the_next_invoice_starts_from_the_frozen_figures(
    contract, periods, admin
):
    first_invoice = invoice_create(contract=contract, period=periods[0], acting_user=admin)
    line = edit(lines_of(first_invoice)[0], work_this_period=D("30000.00"))
    invoice_submit(invoice=first_invoice, acting_user=admin)
    with pytest.raises(ValidationError, match="frozen"):
        edit(line, work_this_period=D("1.00"))

    # Later contract edits: a new approved change order and new retainage terms.
    change_order = contract_services.change_order_create(contract=contract, title="Extra panels")
    contract_services.change_order_line_add(
        change_order=change_order, description="Panels", scheduled_value=D("5000.00")
    )
    contract_services.change_order_set_status(
        change_order=change_order, status=ChangeOrder.Status.APPROVED, approved_on=date(2026, 2, 5)
    )
    contract_services.contract_update(
        contract=contract, acting_user=None, retainage_work_rate=D("5")
    )

    first_invoice.refresh_from_db()
    assert first_invoice.contract_sum_to_date == D("100000.00")
    assert first_invoice.total_retainage == D("3000.00")
    assert [line.retainage_work_to_date for line in lines_of(first_invoice)] == [
        D("3000.00"),
        D("0.00"),
    ]

    second = invoice_create(contract=contract, period=periods[1], acting_user=admin)
    assert second.number == "2"
    lines = lines_of(second)
    assert [line.number for line in lines] == ["1", "2", "CO-1.1"]
    assert lines[0].previous_work == D("30000.00")
    assert lines[0].previous_retainage_work == D("3000.00")
    assert second.previous_certificates == first_invoice.total_earned_less_retainage
    assert second.contract_sum_to_date == D("105000.00")
    edit(lines[0], work_this_period=D("10000.00"))
    assert lines_of(second)[0].retainage_work_this_period == D("500.00")  # the new 5%


def test_a_year_of_invoices_chains_to_the_cent(contract, periods, admin):
    for month, period in enumerate(periods, start=1):
        invoice = invoice_create(contract=contract, period=period, acting_user=admin)
        first, second = lines_of(invoice)
        if month < 12:
            edit(first, work_this_period=D("4999.99"))
            edit(second, percent_complete=D(month * 8))
        else:
            edit(first, complete=True)
            edit(second, complete=True)
        previous = Invoice.objects.filter(contract=contract, sequence=month - 1).first()
        invoice.refresh_from_db()
        if previous:
            assert invoice.previous_certificates == previous.total_earned_less_retainage
        invoice_submit(invoice=invoice, acting_user=admin)
    invoice.refresh_from_db()
    assert invoice.total_completed_and_stored == D("100000.00")
    assert invoice.balance_to_finish_including_retainage == invoice.total_retainage


def test_a_unit_based_contract_bills_quantities(project, periods, admin):
    contract = ContractFactory(project=project, accounting_method=Contract.AccountingMethod.UNIT)
    line = contract_services.sov_line_add(
        contract=contract,
        description="Conduit",
        quantity=D("1200"),
        unit="m",
        unit_price=D("12.3456"),
        scheduled_value=None,
    )
    assert line.scheduled_value == D("14814.72")
    invoice = invoice_create(contract=contract, period=periods[0], acting_user=admin)
    billed = edit(lines_of(invoice)[0], quantity_this_period=D("250.5"))
    assert billed.work_this_period == D("3092.57")  # 250.5 × 12.3456 = 3,092.5728
    assert billed.quantity_to_date == D("250.5")


def test_a_unit_based_contract_on_a_sliding_scale_starts_its_invoice(project, periods, admin):
    """A new line's quantities are Decimals before it is ever stored: the sliding scale's
    engine rounds them (an int default once crashed here)."""
    contract = ContractFactory(
        project=project,
        accounting_method=Contract.AccountingMethod.UNIT,
        retainage_work_rate=D("10"),
        retainage_rules=[{"from_percent": "50", "rate": "5"}],
    )
    contract_services.sov_line_add(
        contract=contract,
        description="Conduit",
        quantity=D("1200"),
        unit="m",
        unit_price=D("12.3456"),
        scheduled_value=None,
    )
    invoice = invoice_create(contract=contract, period=periods[0], acting_user=admin)
    billed = edit(lines_of(invoice)[0], quantity_this_period=D("700"))
    assert billed.quantity_to_date == D("700")
    assert billed.work_this_period == D("8641.92")  # 700 × 12.3456


def test_creation_rules(contract, periods, admin):
    draft = invoice_create(contract=contract, period=periods[1], acting_user=admin)
    with pytest.raises(
        ValidationError, match="already has Subcontractor invoice #1 for this period"
    ):
        invoice_create(contract=contract, period=periods[1], acting_user=admin)
    with pytest.raises(ValidationError, match="submit it before starting the next"):
        invoice_create(contract=contract, period=periods[2], acting_user=admin)
    invoice_submit(invoice=draft, acting_user=admin)
    with pytest.raises(ValidationError, match="already invoiced for a later period"):
        invoice_create(contract=contract, period=periods[0], acting_user=admin)
    with pytest.raises(ValidationError, match="already has an invoice #1"):
        invoice_create(contract=contract, period=periods[2], acting_user=admin, number="1")
    custom = invoice_create(contract=contract, period=periods[2], acting_user=admin, number="EL-7")
    assert (custom.number, custom.sequence) == ("EL-7", 2)


def test_only_approved_contracts_are_invoiced(project, periods, admin):
    draft_contract = ContractFactory(project=project, status=Contract.Status.DRAFT)
    with pytest.raises(ValidationError, match="only approved contracts"):
        invoice_create(contract=draft_contract, period=periods[0], acting_user=admin)


def test_creating_and_loading_cost_the_same_queries_for_10_or_500_lines(
    project, periods, admin, django_assert_num_queries
):
    counts = []
    for size in (10, 500):
        contract = ContractFactory(project=project)
        SOVLineFactory.create_batch(size, contract=contract)
        # Its "created" event included, and the project's numbering (docs/settings.md).
        with django_assert_num_queries(14) as captured:
            invoice = invoice_create(contract=contract, period=periods[0], acting_user=admin)
        with django_assert_num_queries(2):
            loaded = Invoice.objects.select_related("contract", "period").get(pk=invoice.pk)
            assert len(list(loaded.lines.all())) == size
        counts.append(len(captured))
    assert counts[0] == counts[1]


@pytest.mark.django_db(transaction=True)
def test_two_people_creating_at_once_get_one_invoice(contract, periods, admin, company):
    results = []
    barrier = threading.Barrier(2)

    def create():
        try:
            with scope(company=company):
                barrier.wait()
                invoice_create(contract=contract, period=periods[0], acting_user=admin)
            results.append("created")
        except ValidationError as error:
            results.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("created") == 1
    [refusal] = [result for result in results if result != "created"]
    assert "already has Subcontractor invoice #1 for this period" in refusal
    assert Invoice.objects.filter(contract=contract).count() == 1
    assert InvoiceLine.objects.filter(invoice__contract=contract).count() == 2


def test_a_line_edit_moves_the_sums_exactly_as_a_full_recompute(contract, periods, admin):
    """The fast path (no sliding scale: only the edited line moves) against the engine run
    over every line, after a run of edits of every kind."""
    invoice = invoice_create(contract=contract, period=periods[0], acting_user=admin)
    first, second = lines_of(invoice)
    edit(first, work_this_period=D("12345.67"), materials_stored=D("1000.01"))
    edit(second, percent_complete=D("33.33"))
    edit(first, retainage_work_rate=D("7.5"))
    edit(second, materials_stored=D("0.03"))
    edit(first, work_this_period=D("1.00"))
    edit(second, complete=True)
    _, full = g702_recomputed(invoice)
    assert invoice.total_previous_work == full.totals.previous_work
    assert invoice.total_work_this_period == full.totals.work_this_period
    assert invoice.total_materials_stored == full.totals.materials_stored
    assert invoice.retainage_work_percent is None  # 7.5% on one line, 10% on the other
    edit(first, retainage_work_rate=D("10"))
    g702_recomputed(invoice)
    assert invoice.retainage_work_percent == D("10")  # one rate again, found over every line


@pytest.mark.django_db(transaction=True)
def test_people_saving_lines_of_one_invoice_at_once_keep_its_sums_exact(
    contract, periods, admin, company
):
    """Saves racing on both lines, and on the same line: each is kept or refused as stale,
    and the invoice's sums equal its lines."""
    invoice = invoice_create(contract=contract, period=periods[0], acting_user=admin)
    first, second = lines_of(invoice)
    refused = []
    barrier = threading.Barrier(3)

    def save(line, amounts):
        try:
            with scope(company=company):
                barrier.wait()
                for amount in amounts:
                    try:
                        edit(line, work_this_period=D(amount))
                    except StaleEdit:
                        refused.append(amount)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(first, ["100.00", "250.50", "999.99"] * 5)),
        threading.Thread(target=save, args=(first, ["1.01", "2.02"] * 5)),
        threading.Thread(target=save, args=(second, ["40.00", "0.01", "777.77"] * 5)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines, full = g702_recomputed(invoice)
    assert invoice.total_work_this_period == full.totals.work_this_period
    assert lines[1].work_this_period == D("777.77")
    assert lines[0].version + len(refused) == 1 + 25


def test_a_save_from_before_a_contract_change_is_refused_and_changes_nothing(
    contract, periods, admin
):
    """A line is edited from the copy the person's request read: a contract change that
    moved the line's figures since (here its retainage) moved its version too."""
    from contracts.services import contract_update

    invoice = invoice_create(contract=contract, period=periods[0], acting_user=admin)
    first, second = lines_of(invoice)
    read = edit(first, work_this_period=D("1000.00"))  # as the next request reads it
    assert read.retainage_to_date == D("100.00")
    contract_update(contract=contract, acting_user=None, retainage_work_rate=D("5"))
    invoice.refresh_from_db()
    moved, unbilled = lines_of(invoice)
    assert (moved.retainage_to_date, moved.version) == (D("50.00"), read.version + 1)
    assert unbilled.version == second.version + 1  # its figures did not move; still newer
    with pytest.raises(StaleEdit) as stale:
        invoice_line_update(line=read, version=read.version, work_this_period=D("2000.00"))
    assert stale.value.line.retainage_to_date == D("50.00")
    assert read.work_this_period == D("1000.00")  # the caller's copy, as it was
    before = invoice.total_retainage
    invoice.refresh_from_db()
    assert (invoice.total_retainage, lines_of(invoice)[0].version) == (before, moved.version)
