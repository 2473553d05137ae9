"""What the invoice page answers a person at the cells and in review (issue 11 §6): amounts
shown like their neighbours, the unit note and the totals kept current, the % box setting
what it shows, and a review that starts undecided."""

from decimal import Decimal as D

import pytest
from django_scopes import scope, scopes_disabled

from contracts import services as contract_services
from contracts.models import Contract
from invoices.models import Invoice, InvoiceLine
from invoices.services import invoice_create, invoice_line_update, invoice_submit
from tests.factories import BillingPeriodFactory, ContractFactory, SOVLineFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def contract(project, vendor):
    contract = ContractFactory(project=project, vendor=vendor, number="SC-5", title="Electrical")
    for position, value in enumerate(["10000.00", "20000.00"], start=1):
        SOVLineFactory(
            contract=contract, position=position, number=str(position), scheduled_value=D(value)
        )
    return contract


@pytest.fixture
def invoice(company, project, contract, admin):
    with scope(company=company):
        return invoice_create(
            contract=contract, period=BillingPeriodFactory(project=project), created_by=admin
        )


def line(invoice, position):
    with scopes_disabled():
        return InvoiceLine.objects.get(invoice=invoice, position=position)


def save_url(line):
    return f"/acme/projects/{line.invoice.contract.project_id}/invoice-lines/{line.pk}/"


def row_post(line, **values):
    data = {
        "version": line.version,
        "work_this_period": f"{line.work_this_period:,.2f}",
        "materials_stored": f"{line.materials_stored:,.2f}",
        "percent_complete": f"{line.percent_complete}",
    }
    return data | values


def save(client, line, **values):
    return client.post(save_url(line), row_post(line, **values), headers=HTMX).content.decode()


def test_a_typed_amount_comes_back_grouped_like_its_neighbours(invoice, admin_client):
    first = line(invoice, 1)
    page = save(admin_client, first, work_this_period="5000")
    assert f'id="l{first.pk}-work_this_period"' in page and 'value="5,000.00"' in page
    assert f'id="l{first.pk}-g" hx-swap-oob="true">5,000.00' in page
    # What a cell shows can be sent back as it is.
    again = line(invoice, 1)
    page = save(admin_client, again, materials_stored="1,250.50")
    after = line(invoice, 1)
    assert (after.work_this_period, after.materials_stored) == (D("5000.00"), D("1250.50"))
    assert f'id="l{first.pk}-materials_stored"' not in page  # typed as it shows: left alone


def test_the_page_shows_amount_cells_grouped(invoice, admin_client):
    with scope(company=invoice.contract.project.company):
        invoice_line_update(line=line(invoice, 2), version=1, work_this_period=D("12345.6"))
    contract = invoice.contract
    page = admin_client.get(
        f"/acme/projects/{contract.project_id}/contracts/{contract.pk}/invoices/{invoice.pk}/"
    ).content.decode()
    assert 'aria-label="Work this period, line 2" value="12,345.60"' in page


@pytest.mark.parametrize("typed", ["5,00", "50,00.00", "1,2345"])
def test_misplaced_separators_are_refused_as_typed(invoice, admin_client, typed):
    first = line(invoice, 1)
    page = save(admin_client, first, work_this_period=typed)
    assert "Enter a number." in page and f'value="{typed}"' in page
    assert line(invoice, 1).version == 1


@pytest.fixture
def unit_invoice(company, project, vendor, admin):
    contract = ContractFactory(
        project=project, vendor=vendor, accounting_method=Contract.AccountingMethod.UNIT
    )
    with scope(company=company):
        contract_services.sov_line_add(
            contract=contract,
            description="Excavation",
            quantity=D("1250"),
            unit="CY",
            unit_price=D("8"),
            scheduled_value=None,
        )
        return invoice_create(
            contract=contract, period=BillingPeriodFactory(project=project), created_by=admin
        )


def test_the_unit_note_updates_on_a_cell_save(unit_invoice, admin_client):
    first = line(unit_invoice, 1)
    page = save(admin_client, first, quantity_this_period="400")
    assert (
        f'<small class="muted" id="l{first.pk}-units" hx-swap-oob="true">400 of 1,250 CY at 8'
        in page
    )
    assert f'id="l{first.pk}-e" hx-swap-oob="true">3,200.00' in page


@pytest.mark.parametrize("fixture", ["invoice", "unit_invoice"])
def test_typing_a_percent_sets_what_the_box_shows(request, admin_client, fixture):
    """The box shows G ÷ C, stored materials included: typing 50 makes it 50."""
    invoice = request.getfixturevalue(fixture)
    first = line(invoice, 1)
    save(admin_client, first, materials_stored="1,000.00")
    page = save(admin_client, line(invoice, 1), percent_complete="50")
    after = line(invoice, 1)
    assert after.percent_complete == D("50.00")
    assert after.completed_to_date == after.scheduled_value / 2
    assert after.materials_stored == D("1000.00")
    assert f'id="l{first.pk}-percent_complete"' not in page  # it shows what was typed


def test_the_conflict_answer_refreshes_the_totals_and_the_g702(invoice, admin_client):
    first = line(invoice, 1)
    stale = row_post(first, work_this_period="999")
    save(admin_client, first, work_this_period="1000")  # someone else, first
    page = admin_client.post(save_url(first), stale, headers=HTMX).content.decode()
    assert "changed by someone else" in page
    assert f'<tr id="line-{first.pk}" hx-swap-oob="true"' in page
    assert '<tfoot id="g703-totals" hx-swap-oob="true">' in page
    assert 'id="g702" aria-label="Application for payment (G702)" hx-swap-oob="true"' in page
    totals = page.split('id="g703-totals"')[1]
    assert "1,000.00" in totals.split("</tfoot>")[0]
    g702 = page.split('id="g702"')[1]
    assert "900.00" in g702  # 1,000 less 10% retainage
    assert line(invoice, 1).work_this_period == D("1000.00")


def review_url(invoice):
    contract = invoice.contract
    return (
        f"/acme/projects/{contract.project_id}/contracts/{contract.pk}"
        f"/invoices/{invoice.pk}/review/"
    )


def test_a_second_review_starts_undecided_and_approve_approves(
    company, invoice, admin_client, smtp_server
):
    with scope(company=company):
        invoice_submit(invoice=invoice)
    first, second = line(invoice, 1), line(invoice, 2)
    admin_client.post(
        review_url(invoice),
        {
            f"decision_{first.pk}": "approved",
            f"decision_{second.pk}": "rejected",
            f"reason_{second.pk}": "No backup for this amount",
            "outcome": Invoice.Status.APPROVED,
        },
    )
    with scope(company=company):
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.REVISE_RESUBMIT
        invoice_submit(invoice=invoice)
    page = admin_client.get(review_url(invoice)).content.decode()
    assert "checked" not in page
    assert 'value="No backup for this amount"' not in page
    assert "Rejected last time: No backup for this amount" in page  # shown, not chosen
    # Approve with nothing chosen approves every line.
    response = admin_client.post(review_url(invoice), {"outcome": Invoice.Status.APPROVED})
    assert response.status_code == 302
    with scope(company=company):
        invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.APPROVED
    assert {line(invoice, n).review_status for n in (1, 2)} == {"approved"}
    assert line(invoice, 2).review_reason == ""
