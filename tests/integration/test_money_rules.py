"""The money rules (README "Money rules") through the services and over HTTP, on
PostgreSQL: stored materials carry, quantities rounded once, contract-level overbilling,
no work to date below zero, nothing stored beyond what its column holds."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope, scopes_disabled

from billing.models import BillingSettings
from contracts import services as contract_services
from contracts.forms import ChangeOrderLineForm, SOVLineForm
from contracts.models import ChangeOrder, Contract
from invoices.forms import LineEntryForm
from invoices.models import Invoice, InvoiceLine
from invoices.pdf import pdf_context
from invoices.services import (
    invoice_create,
    invoice_line_update,
    invoice_lines_bulk_update,
    invoice_submit,
)
from permissions.levels import Level
from tests.factories import BillingPeriodFactory, ContractFactory, SOVLineFactory
from tests.helpers import (
    HTMX,
    invoice_contact_client,
    invoice_url,
    line,
    row_post,
    save_url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(project, vendor):
    contract = ContractFactory(project=project, vendor=vendor, number="PO-1", title="Steel")
    SOVLineFactory(contract=contract, position=1, number="1", scheduled_value=D("40000.00"))
    SOVLineFactory(contract=contract, position=2, number="2", scheduled_value=D("10000.00"))
    return contract


@pytest.fixture
def periods(project):
    return [BillingPeriodFactory(project=project, position=n) for n in range(1, 4)]


def edit(company, invoice_line, **entries):
    with scope(company=company):
        invoice_line.refresh_from_db()
        return invoice_line_update(line=invoice_line, version=invoice_line.version, **entries)[0]


def start(company, contract, period, admin):
    with scope(company=company):
        return invoice_create(contract=contract, period=period, acting_user=admin)


def submit(company, invoice):
    with scope(company=company):
        return invoice_submit(invoice=invoice, acting_user=None)


def test_stored_materials_carry_into_the_next_invoice_and_the_contact_sees_them(
    company, project, contract, periods, admin
):
    """The demo's PO-001: material stored in period 1, nothing entered in period 2."""
    first = start(company, contract, periods[0], admin)
    edit(company, line(first, 1), work_this_period=D("5000.00"), materials_stored=D("19200.00"))
    submit(company, first)
    second = start(company, contract, periods[1], admin)
    carried = line(second, 1)
    assert (carried.previous_materials, carried.materials_stored) == (
        D("19200.00"),
        D("19200.00"),
    )
    assert carried.completed_to_date == D("24200.00")
    assert carried.retainage_materials_this_period == D("0.00")
    second.refresh_from_db()
    assert second.total_materials_stored == D("19200.00")
    assert second.current_payment_due == D("0.00")  # not a negative payment for "removed" F

    page = invoice_contact_client(company, project, contract, Level.STANDARD).get(
        invoice_url(second)
    )
    assert page.status_code == 200
    assert f'id="l{carried.pk}-materials_stored"' in page.content.decode()
    assert 'value="19,200.00"' in page.content.decode()


def test_a_percent_on_a_unit_line_keeps_its_amount_through_submission(
    company, project, periods, admin
):
    contract = ContractFactory(project=project, accounting_method=Contract.AccountingMethod.UNIT)
    with scope(company=company):
        contract_services.sov_line_add(
            contract=contract,
            description="Pipe",
            quantity=D("1.2345"),
            unit="t",
            unit_price=D("1000"),
            scheduled_value=None,
        )
    invoice = start(company, contract, periods[0], admin)
    entered = edit(company, line(invoice, 1), percent_complete=D("33.33"))
    assert (entered.quantity_this_period, entered.completed_to_date) == (
        D("0.4115"),
        D("411.50"),
    )
    submit(company, invoice)
    stored = line(invoice, 1)
    assert (stored.quantity_this_period, stored.completed_to_date) == (D("0.4115"), D("411.50"))


def test_a_credit_gives_back_at_most_what_was_billed(company, contract, periods, admin):
    invoice = start(company, contract, periods[0], admin)
    with pytest.raises(ValidationError) as refused:
        edit(company, line(invoice, 1), work_this_period=D("-15000.00"))
    assert "cannot go past zero" in str(refused.value.message_dict["work_this_period"])
    unchanged = line(invoice, 1)
    assert (unchanged.work_this_period, unchanged.percent_complete, unchanged.version) == (
        D("0.00"),
        D("0.00"),
        1,
    )


@pytest.fixture
def billed_in_full_then_deducted(company, contract, periods, admin):
    """Billed to 100% in period 1; a −1,000.00 change order approved in period 2."""
    first = start(company, contract, periods[0], admin)
    edit(company, line(first, 1), complete=True)
    edit(company, line(first, 2), complete=True)
    submit(company, first)
    with scope(company=company):
        change_order = contract_services.change_order_create(contract=contract, title="Deduct")
        contract_services.change_order_line_add(
            change_order=change_order, description="Less steel", scheduled_value=D("-1000.00")
        )
        contract_services.change_order_set_status(
            change_order=change_order,
            status=ChangeOrder.Status.APPROVED,
            approved_on=periods[1].start_date,
        )
    return start(company, contract, periods[1], admin)


def test_completed_above_the_contract_sum_is_refused_where_overbilling_is(
    company, billed_in_full_then_deducted
):
    invoice = billed_in_full_then_deducted
    invoice.refresh_from_db()
    assert invoice.contract_sum_to_date == D("49000.00")
    assert invoice.total_completed_and_stored == D("50000.00")
    assert invoice.is_overbilled
    with pytest.raises(ValidationError, match="exceeds the contract sum to date"):
        submit(company, invoice)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.DRAFT


def test_completed_above_the_contract_sum_is_flagged_where_overbilling_is_allowed(
    company, project, admin_client, billed_in_full_then_deducted
):
    BillingSettings.objects.create(project=project, overbilling=BillingSettings.Overbilling.WARN)
    invoice = billed_in_full_then_deducted
    page = admin_client.get(invoice_url(invoice)).content.decode()
    assert "Overbilled: completed and stored to date (50,000.00) exceeds" in page
    assert submit(company, invoice).status == Invoice.Status.UNDER_REVIEW


def test_an_edit_adding_to_an_overbilled_contract_is_refused_one_taking_from_it_is_not(
    company, billed_in_full_then_deducted
):
    invoice = billed_in_full_then_deducted
    edit(company, line(invoice, 1), work_this_period=D("-500.00"))  # a credit: allowed
    invoice.refresh_from_db()
    assert invoice.total_completed_and_stored == D("49500.00")  # still above 49,000.00
    with pytest.raises(ValidationError, match="exceeds the contract sum to date"):
        edit(company, line(invoice, 1), work_this_period=D("-400.00"))
    edit(company, line(invoice, 3), work_this_period=D("-1000.00"))  # the deduction billed
    invoice.refresh_from_db()
    assert invoice.total_completed_and_stored == D("48500.00")
    assert not invoice.is_overbilled


def test_a_bulk_edit_on_an_overbilled_contract_may_take_from_it_not_add(
    company, billed_in_full_then_deducted
):
    invoice = billed_in_full_then_deducted
    first = line(invoice, 1)
    with scope(company=company):
        invoice_lines_bulk_update(
            invoice=invoice, line_ids=[first.pk], percent_complete=D("99"), acting_user=None
        )
        with pytest.raises(ValidationError, match="exceeds the contract sum to date"):
            invoice_lines_bulk_update(
                invoice=invoice, line_ids=[first.pk], percent_complete=D("99.5"), acting_user=None
            )
    assert line(invoice, 1).completed_to_date == D("39600.00")


# What a column cannot hold, typed anywhere, answers with a message and stores nothing.
HUGE = [
    "99999999999999999999",
    "1e309",
    "-1e20",
    "NaN",
    "Infinity",
    "-Infinity",
    "1000000000000.00",
    "-1000000000000",
]


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize(
    "name", ["work_this_period", "materials_stored", "retainage_work_released"]
)
def test_the_line_form_refuses_what_a_money_column_cannot_hold(value, name):
    form = LineEntryForm({"version": "1", name: value}, line=InvoiceLine())
    assert not form.is_valid()
    assert form.errors[name] in (
        ["Enter a number between -999,999,999,999.99 and 999,999,999,999.99."],
        ["Enter a number."],
    )


@pytest.mark.parametrize("value", HUGE)
def test_the_quantity_and_contract_forms_refuse_what_their_columns_cannot_hold(value, contract):
    quantity = LineEntryForm({"version": "1", "quantity_this_period": value}, line=InvoiceLine())
    assert not quantity.is_valid() and "quantity_this_period" in quantity.errors
    with scopes_disabled():
        sov = SOVLineForm({"description": "x", "scheduled_value": value}, contract=contract)
        change_order = ChangeOrderLineForm(
            {"description": "x", "scheduled_value": value}, contract=contract
        )
    assert "scheduled_value" in sov.errors
    assert "scheduled_value" in change_order.errors


def test_the_largest_amounts_a_column_holds_are_accepted():
    form = LineEntryForm(
        {"version": "1", "work_this_period": "-999999999999.99", "materials_stored": "0"},
        line=InvoiceLine(),
    )
    assert form.is_valid(), form.errors


@pytest.fixture
def invoice(company, contract, periods, admin):
    return start(company, contract, periods[0], admin)


@pytest.mark.parametrize("htmx", [True, False])
@pytest.mark.parametrize(
    "values",
    [
        {"work_this_period": "-30000000000.00"},  # fits, but makes % complete −75,000,000
        {"work_this_period": "999999999999.99"},
        {"work_this_period": "99999999999999999999"},
        {"work_this_period": "1e309"},
        {"materials_stored": "-1e20"},
        {"work_this_period": "NaN"},
        {"materials_stored": "Infinity"},
        {"percent_complete": "1e309"},
    ],
)
def test_a_cell_save_beyond_the_columns_answers_with_a_message_and_stores_nothing(
    company, invoice, admin_client, values, htmx
):
    first = line(invoice, 1)
    response = admin_client.post(
        save_url(first), row_post(first, **values), headers=HTMX if htmx else {}
    )
    assert response.status_code == (200 if htmx else 422)
    page = response.content.decode()
    refusals = (
        "Enter a number",
        "Enter a percent",
        "too large for this line",
        "cannot go past zero",
        "exceeds the scheduled value",
    )
    assert any(message in page for message in refusals), page
    assert "beyond what it holds" not in page  # the engine's finding, or the entry's limit
    after = line(invoice, 1)
    assert (after.work_this_period, after.materials_stored, after.version) == (
        first.work_this_period,
        first.materials_stored,
        first.version,
    )
    for path in ["", "export/?format=csv", "export/?format=xlsx"]:
        assert admin_client.get(f"{invoice_url(invoice)}{path}").status_code == 200


def test_a_percent_of_a_huge_amount_is_refused_at_the_percent(company, project, periods, admin):
    BillingSettings.objects.create(project=project, overbilling=BillingSettings.Overbilling.WARN)
    contract = ContractFactory(project=project)
    SOVLineFactory(contract=contract, position=1, number="1", scheduled_value=D("0.01"))
    SOVLineFactory(contract=contract, position=2, number="2", scheduled_value=D("1e11"))
    invoice = start(company, contract, periods[0], admin)
    edit(company, line(invoice, 2), percent_complete=D("999"))  # 999,000,000,000.00: fits
    with pytest.raises(ValidationError) as refused:
        edit(company, line(invoice, 1), work_this_period=D("900000000000.00"))
    assert "too large for this line" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        edit(company, line(invoice, 2), percent_complete=D("1000"))
    assert refused.value.message_dict["percent_complete"] == [
        "Line 2: this entry is too large for this line."
    ]


def test_the_g702_prints_a_rate_only_when_one_rate_holds(
    company, invoice, admin_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    edit(company, line(invoice, 1), work_this_period=D("999.99"))
    edit(company, line(invoice, 2), work_this_period=D("100.00"))
    invoice.refresh_from_db()
    assert invoice.retainage_work == D("110.00")  # 10% of 1,099.99, rounded per line once
    page = admin_client.get(invoice_url(invoice)).content.decode()
    assert "Retainage on completed work (10%)" in page
    with scope(company=company):
        assert "10% of completed work" in render_pdf_text(invoice)
    edit(company, line(invoice, 2), retainage_work_rate=D("5"))
    invoice.refresh_from_db()
    assert invoice.retainage_work_percent is None
    page = admin_client.get(invoice_url(invoice)).content.decode()
    assert "Retainage on completed work (rates vary)" in page
    with scope(company=company):
        assert "Retainage on completed work (rates vary)" in render_pdf_text(invoice)


def render_pdf_text(invoice):
    from django.template.loader import render_to_string

    return render_to_string("invoices/pdf/pay_application.html", pdf_context(invoice))


def test_a_scheduled_value_beyond_its_column_is_refused(company, project):
    contract = ContractFactory(project=project, accounting_method=Contract.AccountingMethod.UNIT)
    with scope(company=company), pytest.raises(ValidationError, match="beyond what it holds"):
        contract_services.sov_line_add(
            contract=contract,
            description="Too much",
            quantity=D("999999999999.9999"),
            unit="t",
            unit_price=D("999999999999.9999"),
            scheduled_value=None,
        )


def test_a_bulk_change_too_large_for_the_invoice_gets_one_sentence(
    company, project, periods, admin
):
    """Each line's 999% fits its columns; the invoice's sums would not."""
    BillingSettings.objects.create(project=project, overbilling=BillingSettings.Overbilling.WARN)
    contract = ContractFactory(project=project)
    for position in (1, 2):
        SOVLineFactory(
            contract=contract, position=position, number=str(position), scheduled_value=D("1e11")
        )
    invoice = start(company, contract, periods[0], admin)
    with scope(company=company), pytest.raises(ValidationError) as refused:
        invoice_lines_bulk_update(
            invoice=invoice,
            line_ids=[line(invoice, 1).pk, line(invoice, 2).pk],
            percent_complete=D("999"),
            acting_user=admin,
        )
    assert refused.value.messages == [
        "This change is too large for these lines: its figures would not fit."
    ]
    assert line(invoice, 1).version == 1
