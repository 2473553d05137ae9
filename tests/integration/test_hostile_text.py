"""Text people type, shown back on the invoice page, in its htmx answers and in its PDF,
comes out escaped everywhere: the G703's rows rendered by Jinja2, the rest of the page and
the PDF by Django templates (docs/invoices.md)."""

from decimal import Decimal as D

import pytest
from django_scopes import scope, scopes_disabled

from contracts import services as contract_services
from contracts.models import ChangeOrder, Contract
from invoices import pdf
from invoices.models import Invoice, InvoiceAttachment, InvoiceLine
from invoices.services import invoice_create
from permissions.levels import Level
from tenancy.models import Company, Project, Vendor
from tests.factories import BillingPeriodFactory, ContractFactory, MembershipFactory
from tests.helpers import (
    HTMX,
    client_for,
    grant,
    invoice_url,
    line,
    make_invoice,
    row_post,
    save_url,
)

pytestmark = pytest.mark.django_db

PAYLOAD = '"><img src=x onerror=alert(1)><div hx-post="/x" hx-trigger="load">'
NUMBER = '"><img src=x onerror=alert(1)>'  # fields of 40 characters: numbers
SHORT = '"><img src=x>'  # fields of 20: change order numbers, units


def assert_escaped(html):
    assert "<img src=x" not in html
    assert '<div hx-post="/x"' not in html
    assert "&lt;img src=x" in html


def make_hostile(invoice, admin):
    """Every text a person types that the invoice, its page or its PDF shows."""
    contract = invoice.contract
    with scopes_disabled():
        Company.objects.filter(pk=contract.project.company_id).update(name=PAYLOAD)
        Project.objects.filter(pk=contract.project_id).update(
            name=PAYLOAD, number=NUMBER, address=PAYLOAD
        )
        Vendor.objects.filter(pk=contract.vendor_id).update(name=PAYLOAD)
        Contract.objects.filter(pk=contract.pk).update(
            title=PAYLOAD, number=NUMBER, contractor=PAYLOAD, architect=PAYLOAD
        )
        ChangeOrder.objects.filter(contract=contract).update(title=PAYLOAD, number=SHORT)
        Invoice.objects.filter(pk=invoice.pk).update(number=NUMBER, comments=PAYLOAD)
        lines = InvoiceLine.objects.filter(invoice=invoice)
        lines.update(
            number=NUMBER, description=PAYLOAD, review_status="rejected", review_reason=PAYLOAD
        )
        lines.exclude(change_order_number="").update(change_order_number=SHORT)
        InvoiceAttachment.objects.create(
            invoice=invoice,
            file="attachments/x.pdf",
            name=PAYLOAD,
            content_type="application/pdf",
            size=1,
            uploaded_by=admin,
        )
        return Invoice.objects.get(pk=invoice.pk)


@pytest.fixture
def invoice(company, project, admin):
    return make_hostile(make_invoice(company, project, admin), admin)


@pytest.fixture
def unit_invoice(company, project, admin):
    contract = ContractFactory(project=project, accounting_method=Contract.AccountingMethod.UNIT)
    with scope(company=company):
        contract_services.sov_line_add(
            contract=contract,
            description="Slab",
            quantity=D("1250"),
            unit=SHORT,
            unit_price=D("162.25"),
        )
        invoice = invoice_create(
            contract=contract, period=BillingPeriodFactory(project=project), acting_user=admin
        )
    return make_hostile(invoice, admin)


@pytest.fixture
def reader_client(company, project):
    reader = MembershipFactory(company=company).user
    grant(reader, project, Level.READ_ONLY, Level.READ_ONLY)
    return client_for(reader)


@pytest.mark.parametrize("fixture", ["invoice", "unit_invoice"])
def test_the_invoice_page_escapes_what_people_typed(request, fixture, admin_client):
    invoice = request.getfixturevalue(fixture)
    assert_escaped(admin_client.get(invoice_url(invoice)).content.decode())


def test_the_read_only_page_escapes_what_people_typed(invoice, reader_client):
    page = reader_client.get(invoice_url(invoice)).content.decode()
    assert 'inputmode="decimal"' not in page  # the rows without inputs
    assert_escaped(page)


def test_a_refused_cell_comes_back_escaped_as_typed(invoice, admin_client):
    first = line(invoice, 1)
    answer = admin_client.post(
        save_url(first), row_post(first, work_this_period=PAYLOAD), headers=HTMX
    ).content.decode()
    assert 'aria-invalid="true"' in answer
    assert "<img src=x" not in answer and '<div hx-post="/x"' not in answer
    assert "&lt;img src=x" in answer and "&lt;div hx-post=" in answer


def test_a_saved_unit_line_answers_escaped(unit_invoice, admin_client):
    first = line(unit_invoice, 1)
    answer = admin_client.post(
        save_url(first),
        {"version": first.version, "quantity_this_period": "400", "materials_stored": "0"},
        headers=HTMX,
    ).content.decode()
    assert f'id="l{first.pk}-units" hx-swap-oob="true"' in answer
    assert_escaped(answer)


def test_the_conflict_row_is_escaped(invoice, admin_client):
    first = line(invoice, 1)
    stale = row_post(first, version=first.version - 1, work_this_period="1")
    answer = admin_client.post(save_url(first), stale, headers=HTMX).content.decode()
    assert f'<tr id="line-{first.pk}" hx-swap-oob="true"' in answer
    assert_escaped(answer)
    page = admin_client.post(save_url(first), stale)  # without htmx: the page, with a 409
    assert page.status_code == 409
    assert_escaped(page.content.decode())


def test_the_html_the_pdf_is_made_from_is_escaped(company, invoice, monkeypatch):
    fed = []

    class HTML:
        def __init__(self, *, string, url_fetcher):
            fed.append(string)

        def write_pdf(self):
            return b""

    monkeypatch.setattr(pdf, "HTML", HTML)
    with scope(company=company):
        pdf.render_pdf(pdf.pdf_context(invoice))
    assert_escaped(fed[0])


def test_the_summary_preview_escapes_what_people_typed(invoice, admin_client):
    answer = admin_client.get(f"{invoice_url(invoice)}preview/")
    assert answer.status_code == 200
    assert_escaped(answer.content.decode())


def test_the_general_information_escapes_the_comments(invoice, admin_client):
    page = admin_client.get(invoice_url(invoice)).content.decode()
    general = page[
        page.index('id="general-info"') : page.index("</section>", page.index('id="general-info"'))
    ]
    assert_escaped(general)  # the comments are shown there, and in the form's textarea


def test_refused_details_come_back_escaped_as_typed(invoice, admin_client):
    answer = admin_client.post(
        f"{invoice_url(invoice)}details/",
        {
            "number": "",
            "billing_date": PAYLOAD,
            "period_start": "2026-11-01",
            "period_end": "2026-11-30",
            "comments": PAYLOAD,
        },
        headers=HTMX,
    )
    assert answer.status_code == 422
    html = answer.content.decode()
    assert "Enter the invoice number." in html
    assert_escaped(html)
