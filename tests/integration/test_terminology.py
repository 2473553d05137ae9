"""What a company calls its invoices (docs/tenancy.md, terminology): set on the company
settings page by a company admin, used wherever an invoice is named."""

import pytest

from tenancy.models import Company

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
