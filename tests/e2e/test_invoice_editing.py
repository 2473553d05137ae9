"""An administrator edits an invoice in headless Chromium: keyboard entry, live totals and
G702, a cell error, values kept across a reload, a conflict, and a review that rejects."""

from decimal import Decimal as D

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from contracts import services as contract_services
from contracts.models import Contract
from invoices.services import invoice_create
from tests import helpers
from tests.factories import (
    BillingPeriodFactory,
    ContractFactory,
    SOVLineFactory,
)
from tests.helpers import g703_cell, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def invoice(company, project, admin):
    contract = ContractFactory(project=project, number="SC-9", title="Electrical")
    for position, value in enumerate(["10000.00", "20000.00", "30000.00"], start=1):
        SOVLineFactory(
            contract=contract, position=position, number=str(position), scheduled_value=D(value)
        )
    with scope(company=company):
        return invoice_create(
            contract=contract, period=BillingPeriodFactory(project=project), acting_user=admin
        )


def invoice_url(live_server, invoice):
    return live_server.url + helpers.invoice_url(invoice)


def test_keyboard_entry_updates_row_totals_and_g702(live_server, page, invoice, output_dir):
    log_in(page, live_server, "admin@acme.test")
    page.goto(invoice_url(live_server, invoice))
    g702 = page.locator("#g702")

    work = g703_cell(page, "Work this period", 1)
    work.click()
    work.fill("2500")
    page.keyboard.press("Enter")  # saves line 1, moves to line 2 in the same column
    expect(g703_cell(page, "Work this period", 2)).to_be_focused()
    page.keyboard.type("5000")
    page.keyboard.press("Tab")  # saves line 2

    expect(page.locator(f"#l{line_pk(invoice, 1)}-g")).to_have_text("2,500.00")
    expect(page.locator(f"#l{line_pk(invoice, 2)}-g")).to_have_text("5,000.00")
    # The typed cells come back formatted like the figures beside them.
    expect(g703_cell(page, "Work this period", 1)).to_have_value("2,500.00")
    expect(g703_cell(page, "Work this period", 2)).to_have_value("5,000.00")
    expect(page.locator("#g703-totals")).to_contain_text("7,500.00")
    # 7,500 less 10% retainage.
    expect(g702).to_contain_text("6,750.00")

    percent = g703_cell(page, "Percent complete", 3)
    percent.fill("50")
    percent.press("Tab")
    expect(g703_cell(page, "Work this period", 3)).to_have_value("15,000.00")
    expect(g702).to_contain_text("20,250.00")  # 22,500 less 10%
    page.screenshot(path=output_dir / "invoice-editing.png", full_page=True)

    stored = g703_cell(page, "Materials presently stored", 1)
    stored.fill("-40")
    stored.press("Tab")
    expect(page.locator(f"#l{line_pk(invoice, 1)}-error")).to_contain_text("cannot be negative")
    expect(stored).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=output_dir / "invoice-cell-error.png", full_page=True)

    page.reload()
    expect(g703_cell(page, "Work this period", 1)).to_have_value("2,500.00")
    expect(g703_cell(page, "Work this period", 3)).to_have_value("15,000.00")
    expect(g703_cell(page, "Materials presently stored", 1)).to_have_value("0.00")


def test_a_second_editor_gets_the_conflict_and_the_fresh_line(
    live_server, new_page, invoice, output_dir
):
    first, second = new_page(), new_page()
    for page in (first, second):
        log_in(page, live_server, "admin@acme.test")
        page.goto(invoice_url(live_server, invoice))

    mine = g703_cell(first, "Work this period", 1)
    mine.fill("1000")
    mine.press("Tab")
    expect(first.locator(f"#l{line_pk(invoice, 1)}-g")).to_have_text("1,000.00")

    theirs = g703_cell(second, "Work this period", 1)  # still showing version 1
    theirs.fill("9000")
    theirs.press("Tab")
    error = second.locator(f"#l{line_pk(invoice, 1)}-error")
    expect(error).to_contain_text("changed by someone else")
    expect(g703_cell(second, "Work this period", 1)).to_have_value("1,000.00")
    # The totals and the G702 are the saved ones too, not the page's stale ones.
    expect(second.locator("#g703-totals")).to_contain_text("1,000.00")
    expect(second.locator("#g702")).to_contain_text("900.00")  # 1,000 less 10%
    second.screenshot(path=output_dir / "invoice-conflict.png", full_page=True)


def test_a_cell_save_applies_no_inline_style(live_server, page, invoice):
    """Anything may put a style attribute on the page's elements (a browser extension, a
    screenshot): a save's answer must not copy it back as an inline style, which the CSP
    refuses. The shared fixture fails the test on any such violation."""
    log_in(page, live_server, "admin@acme.test")
    page.goto(invoice_url(live_server, invoice))
    # Through the CSSOM, which the CSP allows, as an extension would.
    page.evaluate(
        "document.querySelectorAll('#g703 input, #g703 td, #g702')"
        ".forEach((e) => { e.style.outline = '1px solid transparent'; })"
    )
    work = g703_cell(page, "Work this period", 1)
    work.fill("1200")
    work.press("Tab")
    expect(page.locator("#g702")).to_contain_text("1,080.00")
    expect(work).to_have_value("1,200.00")


def line_pk(invoice, position):
    with scope(company=invoice.contract.project.company):
        return invoice.lines.get(position=position).pk


def test_review_rejects_a_line_and_sends_the_invoice_back(
    live_server, page, invoice, output_dir, smtp_server, vendor
):
    with scope(company=invoice.contract.project.company):
        from invoices.services import invoice_submit

        invoice_submit(invoice=invoice, acting_user=None)
    log_in(page, live_server, "admin@acme.test")
    page.goto(invoice_url(live_server, invoice))
    page.get_by_role("link", name="Review lines").click()
    page.locator(f"input[name='decision_{line_pk(invoice, 2)}'][value='rejected']").check()
    page.locator(f"input[name='reason_{line_pk(invoice, 2)}']").fill("No backup for this amount")
    page.screenshot(path=output_dir / "invoice-review.png", full_page=True)
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.locator(".subtitle")).to_contain_text("Revise & resubmit")
    expect(page.locator(f"#line-{line_pk(invoice, 2)}")).to_contain_text(
        "Rejected: No backup for this amount"
    )
    page.screenshot(path=output_dir / "invoice-revise-resubmit.png", full_page=True)

    with scope(company=invoice.contract.project.company):
        invoice_submit(invoice=invoice, acting_user=None)
    page.goto(invoice_url(live_server, invoice) + "review/")
    # A new review starts undecided: the old rejection is shown, not chosen again.
    expect(page.locator("input[type=radio]:checked")).to_have_count(0)
    expect(page.locator(f"input[name='reason_{line_pk(invoice, 2)}']")).to_have_value("")
    expect(page.locator("tbody")).to_contain_text("Rejected last time: No backup for this amount")
    page.screenshot(path=output_dir / "invoice-second-review.png", full_page=True)
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.locator(".subtitle")).to_contain_text("Approved")


def test_the_pdf_is_offered_once_a_worker_has_made_it(live_server, page, invoice, output_dir):
    """Inline here (no worker): the answer says queued, polling finds it made."""
    log_in(page, live_server, "admin@acme.test")
    page.goto(invoice_url(live_server, invoice))
    page.get_by_role("button", name="PDF", exact=True).click()
    download_link = page.get_by_role("link", name="Download PDF")
    expect(download_link).to_be_visible(timeout=15000)
    page.screenshot(path=output_dir / "invoice-pdf-ready.png")
    with page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename == "SC-9-application-1.pdf"


def test_a_unit_line_keeps_its_note_and_its_percent_current(
    live_server, page, company, project, admin, output_dir
):
    contract = ContractFactory(
        project=project, number="SC-3", accounting_method=Contract.AccountingMethod.UNIT
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
        invoice = invoice_create(
            contract=contract, period=BillingPeriodFactory(project=project), acting_user=admin
        )
    pk = line_pk(invoice, 1)
    log_in(page, live_server, "admin@acme.test")
    page.goto(invoice_url(live_server, invoice))

    quantity = g703_cell(page, "Quantity this period", 1)
    quantity.fill("400")
    quantity.press("Tab")
    expect(page.locator(f"#l{pk}-units")).to_have_text("400 of 1,250 CY at 8")
    expect(page.locator(f"#l{pk}-e")).to_have_text("3,200.00")

    stored = g703_cell(page, "Materials presently stored", 1)
    stored.fill("1000")
    stored.press("Tab")
    expect(stored).to_have_value("1,000.00")
    percent = g703_cell(page, "Percent complete", 1)
    percent.fill("50")
    percent.press("Tab")
    # The box is G ÷ C: 50% of 10,000.00 is 5,000.00, the stored 1,000.00 included.
    expect(page.locator(f"#l{pk}-g")).to_have_text("5,000.00")
    expect(page.locator(f"#l{pk}-units")).to_have_text("500 of 1,250 CY at 8")
    expect(percent).to_have_value("50")
    page.screenshot(path=output_dir / "invoice-unit-line.png", full_page=True)


def test_typing_across_a_sliding_scale_threshold_keeps_every_row_current(
    live_server, page, invoice, output_dir
):
    """5%, then 2% from 40% complete, on 60,000.00. The whole row goes with every save, the
    rate boxes too: they must fix no rate. 0% → 50%: the first 24,000.00 at 5%, the next
    6,000.00 at 2% (1,320.00), each line's work in the same shares (4/5 at 5%)."""
    contract = invoice.contract
    contract.retainage_work_rate = D("5")
    contract.retainage_rules = [{"from_percent": "40", "rate": "2"}]
    contract.save()
    log_in(page, live_server, "admin@acme.test")
    page.goto(invoice_url(live_server, invoice))
    work = g703_cell(page, "Work this period", 2)
    work.click()
    work.fill("10000")
    page.keyboard.press("Enter")  # saves line 2 (16.67%: 5%), moves to line 3
    expect(g703_cell(page, "Work this period", 3)).to_be_focused()
    page.keyboard.type("20000")
    page.keyboard.press("Tab")  # saves line 3: 50%, across the threshold

    second, third = line_pk(invoice, 2), line_pk(invoice, 3)
    expect(page.locator(f"#l{third}-i")).to_have_text("880.00")  # 800.00 + 80.00
    expect(page.locator(f"#l{second}-i")).to_have_text("440.00")  # re-rated: 400.00 + 40.00
    expect(page.locator("#g703-totals")).to_contain_text("1,320.00")
    expect(page.locator("#g702")).to_contain_text("1,320.00")
    for number in (1, 2, 3):
        rate = g703_cell(page, "Retainage rate", number)
        expect(rate).to_have_value("")
        expect(rate).to_have_attribute("placeholder", "2")
    page.screenshot(path=output_dir / "invoice-sliding-scale.png", full_page=True)


def test_a_bad_cell_is_named_and_does_not_block_its_row(live_server, page, invoice, output_dir):
    log_in(page, live_server, "admin@acme.test")
    page.goto(invoice_url(live_server, invoice))
    pk = line_pk(invoice, 1)
    work = g703_cell(page, "Work this period", 1)
    work.fill("$5,000")
    work.press("Tab")
    error = page.locator(f"#l{pk}-error")
    expect(error).to_have_text("Line 1, E, work this period: Enter a number.")
    stored = g703_cell(page, "Materials presently stored", 1)
    stored.fill("(100)")  # a credit, refused as such by the engine, not as a number
    stored.press("Tab")
    expect(error).to_contain_text(
        "Line 1, F, materials presently stored: materials presently stored cannot"
    )
    stored.fill("1,250")
    stored.press("Tab")
    expect(page.locator(f"#l{pk}-g")).to_have_text("1,250.00")  # saved, E still refused
    expect(stored).to_have_value("1,250.00")
    expect(stored).not_to_have_attribute("aria-invalid", "true")
    expect(g703_cell(page, "Work this period", 1)).to_have_value("$5,000")
    expect(g703_cell(page, "Work this period", 1)).to_have_attribute("aria-invalid", "true")
    expect(error).to_have_text("Line 1, E, work this period: Enter a number.")
    page.screenshot(path=output_dir / "invoice-bad-cell.png", full_page=True)
