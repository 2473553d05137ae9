"""An invoice contact, in headless Chromium under the production CSP, sees on its invoice
page that the project wants a certificate of insurance before submitting, uploads one
there, and submits (docs/compliance.md)."""

from datetime import date
from decimal import Decimal as D

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from compliance import services
from compliance.models import ComplianceDocument, DocumentType
from invoices.models import Invoice
from invoices.services import invoice_create
from permissions.levels import Level
from tests.factories import (
    BillingPeriodFactory,
    ContractFactory,
    MembershipFactory,
    PersonFactory,
    SOVLineFactory,
)
from tests.helpers import grant, log_in, pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def invoice(company, project, admin, vendor):
    contract = ContractFactory(project=project, vendor=vendor, number="SC-9", title="Electrical")
    SOVLineFactory(contract=contract, position=1, number="1", scheduled_value=D("10000.00"))
    user = MembershipFactory(company=company, user__email="pm@apex.test").user
    grant(user, project, commitments=Level.STANDARD)
    person = PersonFactory(vendor=vendor, email=user.email, user=user)
    with scope(company=company):
        contract.invoice_contacts.set([person])
        insurance = DocumentType.objects.get(company=company, name="Certificate of insurance")
        services.compliance_settings_update(
            project=project, expiring_days=30, gates={insurance: {"submit"}}, acting_user=admin
        )
        return invoice_create(
            contract=contract, period=BillingPeriodFactory(project=project), acting_user=admin
        )


def test_a_contact_uploads_the_missing_certificate_and_submits(
    live_server, page, invoice, browser_problems
):
    contract = invoice.contract
    url = (
        f"{live_server.url}/acme/projects/{contract.project_id}/contracts/{contract.pk}"
        f"/invoices/{invoice.pk}/"
    )
    log_in(page, live_server, "pm@apex.test")
    page.goto(url)
    panel = page.locator(".compliance-panel")
    expect(panel).to_contain_text("must upload: Certificate of insurance (missing)")
    panel.get_by_role("link", name="Upload a document").click()
    page.get_by_label("Type").select_option(label="Certificate of insurance")
    page.get_by_label("File (PDF").set_input_files(
        files=[{"name": "coi.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
    )
    page.get_by_label("Expiry date").fill("2030-06-30")
    page.get_by_label("Coverage amount").fill("2,000,000.00")
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".compliance-panel")).to_contain_text("Valid")
    expect(page.locator(".compliance-panel")).not_to_contain_text("must upload")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".subtitle .status")).to_have_text("Under review")
    with scopes_disabled():
        document = ComplianceDocument.objects.get()
        assert document.contract_id == contract.pk
        assert (document.expires_on, document.coverage_amount) == (
            date(2030, 6, 30),
            D("2000000.00"),
        )
        assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.UNDER_REVIEW
