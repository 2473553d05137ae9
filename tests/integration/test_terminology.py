"""What a company calls its invoices (docs/tenancy.md, terminology): set on the company
settings page by a company admin, used wherever an invoice is named."""

import csv
import io

import pytest

from tenancy.models import Company
from tests.helpers import invoice_url, make_invoice

pytestmark = pytest.mark.django_db


def test_admin_renames_the_invoices(company, admin_client):
    response = admin_client.post(
        "/acme/settings/",
        {"client_invoice_term": "Pay application", "subcontractor_invoice_term": "Requisition"},
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.client_invoice_term == "Pay application"
    assert company.subcontractor_invoice_term == "Requisition"
    assert company.invoice_term(client=True) == "Pay application"
    assert company.invoice_term(client=False) == "Requisition"


def test_a_term_off_the_list_is_refused_and_nothing_changes(company, admin_client):
    response = admin_client.post(
        "/acme/settings/",
        {"client_invoice_term": "Bill", "subcontractor_invoice_term": "Requisition"},
    )
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    company.refresh_from_db()
    assert company.client_invoice_term == Company.ClientInvoiceTerm.CLIENT
    assert company.subcontractor_invoice_term == Company.SubcontractorInvoiceTerm.SUBCONTRACTOR


def test_only_company_admins_rename(company, member_client):
    response = member_client.post(
        "/acme/settings/",
        {"client_invoice_term": "Pay application", "subcontractor_invoice_term": "Requisition"},
    )
    assert response.status_code in (403, 404)
    company.refresh_from_db()
    assert company.client_invoice_term == Company.ClientInvoiceTerm.CLIENT


@pytest.mark.parametrize(
    ("kind", "term"),
    [("subcontract", "Requisition"), ("client", "Pay application")],
)
def test_the_term_names_the_invoice_on_its_page_pdf_and_export(
    company, project, admin, admin_client, kind, term
):
    Company.objects.filter(pk=company.pk).update(
        client_invoice_term="Pay application", subcontractor_invoice_term="Requisition"
    )
    invoice = make_invoice(company, project, admin, kind=kind)
    page = admin_client.get(invoice_url(invoice)).content.decode()
    assert f'<h1><span class="nowrap">{term} #{invoice.number}</span>' in page
    preview = admin_client.get(f"{invoice_url(invoice)}preview/").content.decode()
    assert f"AIA G702 form · {term} ·" in preview
    export = admin_client.get(f"{invoice_url(invoice)}export/?format=csv")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert ["Document", term] in rows
    assert [f"{term} number", invoice.number] in rows
    assert term.replace(" ", "_") in export["Content-Disposition"]
