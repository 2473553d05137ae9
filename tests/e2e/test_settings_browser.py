"""An administrator changes the project's settings in headless Chromium (the numbering
pattern and the overbilling rule) and sees them applied on the invoice they then create
and edit (docs/settings.md)."""

from decimal import Decimal as D

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from billing.models import BillingPeriod, BillingSettings
from invoices.models import Invoice
from tests.factories import BillingPeriodFactory, ContractFactory, SOVLineFactory
from tests.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def contract(project):
    contract = ContractFactory(project=project, number="SC-7", title="Drywall")
    SOVLineFactory(contract=contract, position=1, number="1", scheduled_value=D("10000.00"))
    BillingPeriodFactory(project=project, status=BillingPeriod.Status.OPEN)
    return contract


def test_an_admin_sets_numbering_and_overbilling_and_sees_them_on_an_invoice(
    live_server, page, admin, project, contract, output_dir
):
    log_in(page, live_server, "admin@acme.test")
    page.goto(f"{live_server.url}/acme/projects/{project.pk}/")
    page.get_by_role("navigation", name="Project").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Progress Billings settings")).to_be_visible()

    numbering = page.locator("section#numbering")
    # Radio buttons, each choice shown whole (a dropdown cut them off in the panel).
    numbering.get_by_role("group", name="Numbering").get_by_label(
        "Project-wide: a prefix and a padded number"
    ).check()
    numbering.get_by_label("Number prefix").fill("INV-")
    numbering.get_by_label("Digits").fill("4")
    numbering.get_by_role("button", name="Save invoice numbering").click()
    expect(page.get_by_role("status")).to_contain_text("Invoice numbering saved.")

    overbilling = page.locator("section#overbilling")
    overbilling.get_by_label("Overbilling").select_option(label="Allow overbilling and flag it")
    overbilling.get_by_role("button", name="Save overbilling").click()
    expect(page.get_by_role("status")).to_contain_text("Overbilling saved.")
    history = page.locator("#history + table")
    expect(history).to_contain_text("Allow overbilling and flag it")
    expect(history).to_contain_text("INV-")
    page.screenshot(path=output_dir / "project-settings.png", full_page=True)
    with scopes_disabled():
        settings = BillingSettings.objects.get(project=project)
    assert (settings.numbering, settings.number_prefix, settings.overbilling) == (
        "project_pattern",
        "INV-",
        "warn",
    )

    # A new invoice takes the project's next number.
    page.goto(f"{live_server.url}/acme/projects/{project.pk}/contracts/{contract.pk}/")
    new_invoice = page.locator("form").filter(has=page.get_by_role("button", name="New invoice"))
    # (The SOV line form above has a Number box with the same id: found by its name here.)
    number = new_invoice.locator("input[name=number]")
    expect(number).to_have_attribute("placeholder", "INV-0001")
    new_invoice.get_by_role("button", name="New invoice").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("#INV-0001")

    # Billing past the line's value is saved (not refused) and flagged.
    work = page.get_by_label("Work this period, line 1", exact=True)
    work.fill("10000.01")
    work.press("Tab")
    with scopes_disabled():
        line = Invoice.objects.get(number="INV-0001").lines.get()
    expect(page.locator(f"#l{line.pk}-error")).to_be_empty()
    expect(work).to_have_value("10,000.01")
    page.reload()
    expect(page.locator(f"#line-{line.pk}")).to_contain_text("Overbilled")
    with scopes_disabled():
        line.refresh_from_db()
    assert (line.work_this_period, line.overbilled) == (D("10000.01"), True)
