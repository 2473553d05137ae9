"""The set-up pages: contracts, SOV editor, change orders, SSOV, billing periods, invoices."""

from datetime import date
from decimal import Decimal as D

import pytest
from django_scopes import scope, scopes_disabled

from billing.models import BillingPeriod
from contracts import services
from contracts.models import ChangeOrder, Contract, SOVLine
from invoices.models import Invoice
from tests.factories import BillingPeriodFactory, ContractFactory, PersonFactory, SOVLineFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def base(project):
    return f"/acme/projects/{project.pk}"


@pytest.fixture
def contract(project, vendor):
    contract = ContractFactory(project=project, vendor=vendor, number="SC-7", title="Electrical")
    SOVLineFactory(
        contract=contract,
        position=1,
        number="1",
        description="Rough-in",
        scheduled_value=D("1500.50"),
    )
    return contract


def test_admin_creates_a_subcontract(base, admin_client, vendor, project):
    contact = PersonFactory(vendor=vendor)
    response = admin_client.post(
        f"{base}/contracts/new/?kind=subcontract",
        {
            "number": "SC-1",
            "title": "Electrical",
            "status": "approved",
            "vendor": vendor.pk,
            "accounting_method": "amount",
            "retainage_work_rate": "10",
            "retainage_materials_rate": "5",
            "invoice_contacts": [contact.pk],
        },
    )
    with scopes_disabled():
        contract = Contract.objects.get(number="SC-1")
        assert list(contract.invoice_contacts.all()) == [contact]
    assert response.url == f"{base}/contracts/{contract.pk}/"
    assert (contract.kind, contract.project, contract.vendor) == ("subcontract", project, vendor)


def test_a_client_contract_has_a_client_not_a_vendor(base, admin_client, vendor):
    page = admin_client.get(f"{base}/contracts/new/?kind=client").content.decode()
    assert 'name="client"' in page
    assert 'name="vendor"' not in page
    admin_client.post(
        f"{base}/contracts/new/?kind=client",
        {
            "number": "PC-1",
            "title": "Prime",
            "status": "approved",
            "client": vendor.pk,
            "accounting_method": "amount",
            "retainage_work_rate": "5",
            "retainage_materials_rate": "0",
        },
    )
    with scopes_disabled():
        assert Contract.objects.get(number="PC-1").client == vendor


def test_a_bad_contract_form_explains_and_keeps_what_was_typed(base, admin_client, contract):
    response = admin_client.post(
        f"{base}/contracts/new/?kind=subcontract",
        {
            "number": "SC-7",
            "title": "Typed title",
            "status": "approved",
            "vendor": "",
            "accounting_method": "amount",
            "retainage_work_rate": "120",
            "retainage_materials_rate": "0",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Another contract of this project has this number." in page
    assert "This field is required." in page  # the vendor
    assert "A retainage rate is between 0% and 100%." in page
    assert 'value="Typed title"' in page
    with scopes_disabled():
        assert Contract.objects.count() == 1


def test_contacts_must_work_for_the_vendor(base, admin_client, vendor, company):
    stranger = PersonFactory(vendor__company=company)
    response = admin_client.post(
        f"{base}/contracts/new/?kind=subcontract",
        {
            "number": "SC-2",
            "title": "x",
            "status": "draft",
            "vendor": vendor.pk,
            "accounting_method": "amount",
            "retainage_work_rate": "0",
            "retainage_materials_rate": "0",
            "invoice_contacts": [stranger.pk],
        },
    )
    assert "Invoice contacts work for the contract&#x27;s vendor." in response.content.decode()


def test_contract_list_and_page_show_the_figures(base, reader_client, contract):
    SOVLineFactory(contract=contract, scheduled_value=D("499.50"))
    with scope(company=contract.project.company):
        change_order = services.change_order_create(contract=contract, title="Extra")
        for value in ("300.00", "-100.00"):
            services.change_order_line_add(
                change_order=change_order, description="x", scheduled_value=D(value)
            )
        services.change_order_set_status(
            change_order=change_order, status="approved", approved_on=date(2026, 1, 5)
        )
    listing = reader_client.get(f"{base}/contracts/").content.decode()
    # Original 2,000.00 + approved 200.00: sums that a join would have multiplied.
    assert "2,000.00" in listing and "200.00" in listing and "2,200.00" in listing
    page = reader_client.get(f"{base}/contracts/{contract.pk}/").content.decode()
    assert "Rough-in" in page and "1,500.50" in page


def test_sov_editor_adds_edits_moves_and_deletes(base, admin_client, contract):
    url = f"{base}/contracts/{contract.pk}"
    admin_client.post(f"{url}/sov/new/", {"description": "Trim", "scheduled_value": "999.50"})
    with scopes_disabled():
        trim = SOVLine.objects.get(description="Trim")
    assert trim.number == "2"
    admin_client.post(f"{url}/sov/{trim.pk}/move/", {"direction": "up"})
    admin_client.post(
        f"{url}/sov/{trim.pk}/",
        {"number": "2", "description": "Trim-out", "scheduled_value": "1000.00"},
    )
    with scopes_disabled():
        assert [line.description for line in contract.sov_lines.all()] == ["Trim-out", "Rough-in"]
    admin_client.post(f"{url}/sov/{trim.pk}/delete/")
    with scopes_disabled():
        assert contract.sov_lines.count() == 1


def test_a_bad_sov_line_is_explained_on_the_contract_page(base, admin_client, contract):
    response = admin_client.post(
        f"{base}/contracts/{contract.pk}/sov/new/", {"description": "", "scheduled_value": "abc"}
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "Enter a number." in page
    with scopes_disabled():
        assert contract.sov_lines.count() == 1


def test_change_order_created_lined_and_approved(base, admin_client, contract):
    url = f"{base}/contracts/{contract.pk}"
    response = admin_client.post(f"{url}/change-orders/new/", {"title": "Add circuits"})
    with scopes_disabled():
        change_order = ChangeOrder.objects.get()
    assert response.url == f"{url}/change-orders/{change_order.pk}/"
    co_url = f"{url}/change-orders/{change_order.pk}"
    admin_client.post(f"{co_url}/lines/new/", {"description": "Circuits", "scheduled_value": "800"})
    admin_client.post(f"{co_url}/lines/new/", {"description": "Credit", "scheduled_value": "-50"})
    refused = admin_client.post(f"{co_url}/status/", {"status": "approved"}, follow=True)
    assert "Give the date the change order was approved." in refused.content.decode()
    admin_client.post(f"{co_url}/status/", {"status": "approved", "approved_on": "2026-01-15"})
    change_order.refresh_from_db()
    assert (change_order.status, change_order.approved_on) == ("approved", date(2026, 1, 15))
    page = admin_client.get(f"{url}/").content.decode()
    assert "750.00" in page  # approved changes
    assert "2,250.50" in page  # revised contract sum


def test_retainage_rules_page(base, admin_client, contract):
    url = f"{base}/contracts/{contract.pk}/retainage/"
    data = {"form-TOTAL_FORMS": "5", "form-INITIAL_FORMS": "0"}
    data |= {"form-0-from_percent": "0", "form-0-rate": "10"}
    data |= {"form-1-from_percent": "50", "form-1-rate": "5"}
    admin_client.post(url, data)
    with scopes_disabled():
        contract.refresh_from_db()
        assert contract.sliding_scale == [
            (D("0"), D("10")),
            (D("50"), D("5")),
        ]


def test_ssov_page_flags_a_line_whose_details_do_not_add_up(base, admin_client, contract):
    with scopes_disabled():
        line = contract.sov_lines.get()
    url = f"{base}/contracts/{contract.pk}/ssov"
    admin_client.post(f"{url}/{line.pk}/new/", {"description": "Labour", "scheduled_value": "1000"})
    page = admin_client.get(f"{url}/").content.decode()
    assert "mismatch" in page
    refused = admin_client.post(f"{url}/status/", {"status": "under_review"}, follow=True)
    assert "off by -500.50" in refused.content.decode()
    admin_client.post(
        f"{url}/{line.pk}/new/", {"description": "Material", "scheduled_value": "500.50"}
    )
    admin_client.post(f"{url}/status/", {"status": "under_review"})
    contract.refresh_from_db()
    assert contract.ssov_status == "under_review"


def test_billing_periods_are_created_opened_and_closed(base, admin_client, project):
    admin_client.post(
        f"{base}/billing-periods/new/",
        {
            "start_date": "2026-01-01",
            "end_date": "2026-01-31",
            "due_date": "2026-01-25",
            "open_it": "1",
        },
    )
    admin_client.post(
        f"{base}/billing-periods/new/",
        {"start_date": "2026-02-01", "end_date": "2026-02-28", "due_date": "2026-02-25"},
    )
    with scopes_disabled():
        first, second = BillingPeriod.objects.order_by("position")
    assert (first.status, second.status) == ("open", "closed")
    admin_client.post(f"{base}/billing-periods/{second.pk}/open/")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("closed", "open")
    page = admin_client.get(f"{base}/billing-periods/").content.decode()
    assert "Feb 1, 2026" in page


def test_a_bad_period_explains_and_changes_nothing(base, admin_client, project):
    response = admin_client.post(
        f"{base}/billing-periods/new/",
        {"start_date": "2026-01-31", "end_date": "2026-01-01", "due_date": "2026-01-25"},
    )
    assert "The end date must be on or after the start date." in response.content.decode()
    assert 'value="2026-01-31"' in response.content.decode()
    with scopes_disabled():
        assert not BillingPeriod.objects.exists()


def test_an_invoice_is_created_shown_and_submitted(base, admin_client, contract, project):
    period = BillingPeriodFactory(project=project)
    url = f"{base}/contracts/{contract.pk}"
    response = admin_client.post(
        f"{url}/invoices/new/", {"period": period.pk, "invoice_type": "progress"}
    )
    with scopes_disabled():
        invoice = Invoice.objects.get()
    assert response.url == f"{url}/invoices/{invoice.pk}/"
    page = admin_client.get(response.url).content.decode()
    assert "Rough-in" in page and "1,500.50" in page and "Current payment due" in page
    admin_client.post(f"{url}/invoices/{invoice.pk}/submit/")
    invoice.refresh_from_db()
    assert invoice.status == "under_review"


def test_a_refused_invoice_is_explained_on_the_contract_page(base, admin_client, project):
    draft_contract = ContractFactory(project=project, status="draft")
    period = BillingPeriodFactory(project=project)
    response = admin_client.post(
        f"{base}/contracts/{draft_contract.pk}/invoices/new/",
        {"period": period.pk, "invoice_type": "progress"},
    )
    assert response.status_code == 422
    assert "only approved contracts are invoiced" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    ["contracts/new/", "billing-periods/new/"],
)
def test_read_only_users_cannot_set_up(base, reader_client, path):
    assert reader_client.get(f"{base}/{path}").status_code == 403


def test_read_only_users_cannot_change_a_contract(base, reader_client, contract):
    url = f"{base}/contracts/{contract.pk}"
    for path in ["edit/", "sov/new/", "retainage/", "change-orders/new/", "invoices/new/"]:
        assert reader_client.post(f"{url}/{path}", {}).status_code == 403, path
    with scopes_disabled():
        assert contract.sov_lines.count() == 1
        assert not Invoice.objects.exists()


@pytest.mark.parametrize("lines", [3, 60])
def test_the_contract_page_costs_the_same_queries_whatever_the_lines(
    base, reader_client, contract, lines, django_assert_max_num_queries
):
    SOVLineFactory.create_batch(lines, contract=contract)
    with django_assert_max_num_queries(18):
        assert reader_client.get(f"{base}/contracts/{contract.pk}/").status_code == 200


def test_admin_sets_the_private_list_of_a_commitment(base, admin_client, contract, company, reader):
    data = {
        "number": "SC-7",
        "title": "Electrical",
        "status": "approved",
        "vendor": contract.vendor_id,
        "accounting_method": "amount",
        "retainage_work_rate": "10",
        "retainage_materials_rate": "5",
        "is_private": "on",
        "private_list": [reader.pk],
    }
    admin_client.post(f"{base}/contracts/{contract.pk}/edit/", data)
    reader_client = client_for(reader)
    assert reader_client.get(f"{base}/contracts/{contract.pk}/").status_code == 200
    data["private_list"] = []
    admin_client.post(f"{base}/contracts/{contract.pk}/edit/", data)
    assert reader_client.get(f"{base}/contracts/{contract.pk}/").status_code == 404
