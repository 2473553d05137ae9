"""The month's end in headless Chromium (issue 15): an invoice contact uploads the
certificate of insurance the project requires and submits; the conditional lien waiver
arrives by email and the contact signs it from the link; the admin records the payment and
the invoice shows Paid (docs/payments.md, docs/waivers.md, docs/compliance.md)."""

import re
from decimal import Decimal as D

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from compliance import services as compliance_services
from compliance.models import DocumentType
from invoices.models import Invoice
from invoices.services import invoice_create, invoice_line_update, invoice_set_status
from permissions.levels import Level
from tests.factories import (
    BillingPeriodFactory,
    ContractFactory,
    MembershipFactory,
    PersonFactory,
    SOVLineFactory,
)
from tests.helpers import grant, line, log_in, pdf_bytes
from waivers import services as waiver_services
from waivers.models import Waiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def invoice(company, project, admin, vendor):
    contract = ContractFactory(
        project=project,
        vendor=vendor,
        number="SC-9",
        title="Electrical",
        payments_issued_enabled=True,
    )
    SOVLineFactory(contract=contract, position=1, number="1", scheduled_value=D("10000.00"))
    user = MembershipFactory(company=company, user__email="pm@apex.test").user
    grant(user, project, commitments=Level.STANDARD)
    person = PersonFactory(vendor=vendor, email=user.email, user=user, full_name="Pat Signer")
    with scope(company=company):
        contract.invoice_contacts.set([person])
        insurance = DocumentType.objects.get(company=company, name="Certificate of insurance")
        compliance_services.compliance_settings_update(
            project=project,
            expiring_days=30,
            gates={insurance: {"submit", "pay"}},
            acting_user=admin,
        )
        waiver_services.waiver_settings_save(
            project=project,
            require_conditional=True,
            require_unconditional=False,
            acting_user=admin,
        )
        invoice = invoice_create(
            contract=contract, period=BillingPeriodFactory(project=project), acting_user=admin
        )
    first = line(invoice, 1)
    with scope(company=company):
        invoice_line_update(line=first, version=first.version, work_this_period=D("2500.00"))
    with scopes_disabled():
        return Invoice.objects.get(pk=invoice.pk)


def test_a_contact_signs_and_uploads_the_admin_pays_and_the_invoice_is_paid(
    live_server, page, new_page, company, admin, invoice, smtp_server, output_dir
):
    contract = invoice.contract
    url = f"{live_server.url}{invoice.get_absolute_url()}"
    # The contact: the certificate the project requires, then the submission.
    log_in(page, live_server, "pm@apex.test")
    page.goto(url)
    panel = page.locator(".compliance-panel")
    expect(panel).to_contain_text("Certificate of insurance (missing)")
    panel.get_by_role("link", name="Upload a document").click()
    page.get_by_label("Type").select_option(label="Certificate of insurance")
    page.get_by_label("File (PDF").set_input_files(
        files=[{"name": "coi.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
    )
    page.get_by_label("Expiry date").fill("2030-06-30")
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".compliance-panel")).to_contain_text("Valid")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".subtitle .status")).to_have_text("Under review")

    # The conditional waiver, emailed with its link, signed there.
    messages = smtp_server.wait_for(1)
    [waiver_email] = [m for m in messages if m["Subject"].startswith("Lien waiver to sign")]
    link = re.search(r"http\S+(/waivers/sign/\S+/)", waiver_email.get_content())
    assert link is not None
    page.goto(f"{live_server.url}{link.group(1)}")
    page.get_by_label("Your full name").fill("Pat Signer")
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Sign the waiver").click()
    expect(page.locator(".signed")).to_contain_text("Signed by Pat Signer")
    with scopes_disabled():
        waiver = Waiver.objects.get(invoice=invoice)
        assert waiver.status == Waiver.Status.SIGNED
        assert waiver.amount == invoice.current_payment_due

    # The admin approves (the review is tested elsewhere) and records the payment.
    with scope(company=company):
        invoice_set_status(invoice=invoice, status=Invoice.Status.APPROVED, acting_user=admin)
    admin_page = new_page()  # watched as every page is (tests/e2e/conftest.py)
    log_in(admin_page, live_server, "admin@acme.test")
    admin_page.goto(
        f"{live_server.url}/acme/projects/{contract.project_id}/contracts/{contract.pk}/"
    )
    admin_page.get_by_role("link", name="Payments issued").click()
    form = admin_page.locator("#record-payment")
    form.get_by_label("Method").select_option(label="Check")
    form.get_by_label(f"#{invoice.number}: pay", exact=False).fill(f"{invoice.current_payment_due}")
    form.get_by_role("button", name="Record payment").click()
    expect(admin_page.get_by_role("status")).to_contain_text("recorded")
    admin_page.goto(url)
    expect(admin_page.locator("#payment-state")).to_contain_text("Paid")
    admin_page.screenshot(path=output_dir / "getting-paid.png", full_page=True)
    admin_page.close()
