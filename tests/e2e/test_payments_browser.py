"""An administrator records a payment in headless Chromium, paying one invoice in full and
another in part, and sees the paid states on the payments page, the invoice page and the
Payables list (docs/payments.md)."""

from decimal import Decimal as D

import pytest
from axe_playwright_python.sync_playwright import Axe
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from invoices.models import Invoice
from invoices.services import invoice_create
from payments.models import Payment
from tests.factories import BillingPeriodFactory, ContractFactory, SOVLineFactory
from tests.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def invoices(company, project):
    contract = ContractFactory(
        project=project, number="SC-7", title="Drywall", payments_issued_enabled=True
    )
    SOVLineFactory(contract=contract, position=1, number="1", scheduled_value=D("10000.00"))
    found = []
    with scope(company=company):
        for due in ("1000.00", "400.00"):
            invoice = invoice_create(
                contract=contract, period=BillingPeriodFactory(project=project), acting_user=None
            )
            Invoice.objects.filter(pk=invoice.pk).update(status="approved", current_payment_due=due)
            found.append(invoice)
    return found


def test_an_admin_records_a_payment_and_sees_the_invoices_paid(
    live_server, page, admin, project, invoices, output_dir
):
    first, second = invoices
    log_in(page, live_server, "admin@acme.test")
    page.goto(f"{live_server.url}/acme/projects/{project.pk}/contracts/{first.contract_id}/")
    page.get_by_role("link", name="Payments issued").click()
    expect(page.get_by_role("heading", name="Payments issued")).to_be_visible()
    form = page.locator("#record-payment")
    form.get_by_label("Method").select_option(label="ACH / electronic")
    form.get_by_label(f"#{first.number}: pay", exact=False).fill("1000")
    form.get_by_label(f"#{second.number}: pay", exact=False).fill("150.50")
    form.get_by_label("Notes").fill("March draw")
    form.get_by_role("button", name="Record payment").click()
    expect(page.get_by_role("status")).to_contain_text("recorded")
    states = page.locator("#paid-states")
    expect(states).to_contain_text("Partially paid")
    expect(page.locator("#payment-totals")).to_contain_text("1,150.50")
    page.screenshot(path=output_dir / "payments-issued.png", full_page=True)
    page.goto(f"{live_server.url}{first.get_absolute_url()}")
    expect(page.locator("#payment-state")).to_contain_text("Paid")
    page.goto(f"{live_server.url}/acme/payables/")
    expect(page.locator("#payables")).to_contain_text("249.50")
    # The paid-state badges' contrast and the filter bar's labels (issue 15), by axe.
    expect(page.locator("#payables .status-payment-partially_paid")).to_be_visible()
    results = Axe().run(
        page,
        context={"include": [["#payables"], ["form.filters"]]},
        options={"runOnly": ["color-contrast", "label", "select-name"]},
    )
    serious = [
        f"{v['id']}: " + "; ".join(n["html"][:100] for n in v["nodes"])
        for v in results.response["violations"]
        if v["impact"] in ("critical", "serious")
    ]
    assert serious == []
    with scopes_disabled():
        assert Payment.objects.get().amount == D("1150.50")
