"""The G703 with the keyboard alone and as a screen reader reads it (issue 16; docs/invoices.md,
"Accessibility of the G703"): the skip link, a row filled in, a cell refused past its line's
scheduled value and told at that cell, fixed, and the invoice submitted; axe-core finds no
critical or serious violation in the grid, for an admin and for the invoice contact."""

from decimal import Decimal as D

import pytest
from axe_playwright_python.sync_playwright import Axe
from django_scopes import scope
from playwright.sync_api import expect

from invoices.models import Invoice
from invoices.services import invoice_create
from permissions.levels import Level
from tests import helpers
from tests.factories import (
    BillingPeriodFactory,
    ContractFactory,
    MembershipFactory,
    PersonFactory,
    SOVLineFactory,
)
from tests.helpers import g703_cell, grant, line, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTACT = "pm@apex.test"


@pytest.fixture
def invoice(company, project, admin, vendor):
    """A Draft with three 10,000.00 lines; its contract's invoice contact may fill it in."""
    contract = ContractFactory(project=project, vendor=vendor, number="SC-9", title="Electrical")
    for position in (1, 2, 3):
        SOVLineFactory(
            contract=contract,
            position=position,
            number=str(position),
            scheduled_value=D("10000.00"),
        )
    user = MembershipFactory(company=company, user__email=CONTACT).user
    grant(user, project, commitments=Level.STANDARD)
    with scope(company=company):
        contract.invoice_contacts.set([PersonFactory(vendor=vendor, email=CONTACT, user=user)])
        return invoice_create(
            contract=contract, period=BillingPeriodFactory(project=project), acting_user=admin
        )


def invoice_url(live_server, invoice):
    return live_server.url + helpers.invoice_url(invoice)


def focused(page):
    return page.locator(":focus")


def described_by(page, locator):
    """The text a screen reader reads after the input's name: its aria-describedby's."""
    ids = locator.get_attribute("aria-describedby") or ""
    return " ".join(page.locator(f"[id='{each}']").inner_text() for each in ids.split())


def serious_violations(page):
    """axe-core's critical and serious findings inside the G703."""
    results = Axe().run(page, context={"include": [["#g703"]]})
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node["html"][:120] for node in violation["nodes"])
        for violation in results.response["violations"]
        if violation["impact"] in ("critical", "serious")
    ]


def test_keyboard_only_fill_meet_an_error_fix_it_and_submit(live_server, page, invoice, output_dir):
    log_in(page, live_server, "admin@acme.test")
    page.goto(invoice_url(live_server, invoice))
    keyboard = page.keyboard

    # The first Tab stop is the skip link; Enter puts the focus in the first cell.
    keyboard.press("Tab")
    expect(focused(page)).to_have_text("Skip to the schedule of values (G703)")
    expect(focused(page)).to_be_visible()
    keyboard.press("Enter")
    work = g703_cell(page, "Work this period", 1)
    expect(work).to_be_focused()

    # A row: E, then F, each saved as it is left.
    keyboard.type("2500")
    keyboard.press("Tab")
    stored = g703_cell(page, "Materials presently stored", 1)
    expect(stored).to_be_focused()
    expect(work).to_have_value("2,500.00")
    keyboard.type("400")
    keyboard.press("Tab")
    percent = g703_cell(page, "Percent complete", 1)
    expect(percent).to_be_focused()
    expect(page.locator(f"#l{line(invoice, 1).pk}-g")).to_have_text("2,900.00")

    # Back to F by Shift+Tab, past the line's scheduled value: 2,500.00 + 9,000.00.
    keyboard.press("Shift+Tab")
    expect(stored).to_be_focused()
    keyboard.type("9000")
    keyboard.press("Tab")
    expect(stored).to_have_attribute("aria-invalid", "true")
    keyboard.press("Shift+Tab")
    expect(stored).to_be_focused()
    # What a screen reader says at the cell: its line and column, and what is wrong.
    message = described_by(page, focused(page))
    assert message.startswith("Line 1, F, materials presently stored: "), message
    assert "exceeds the scheduled value (10,000.00)" in message
    # The cell typed in is marked and keeps what was typed; E is not marked; nothing saved.
    expect(stored).to_have_value("9000")
    expect(work).not_to_have_attribute("aria-invalid", "true")
    expect(work).to_have_value("2,500.00")
    saved = line(invoice, 1)
    assert (saved.work_this_period, saved.materials_stored) == (D("2500.00"), D("400.00"))
    assert serious_violations(page) == []
    page.screenshot(path=output_dir / "g703-keyboard-error.png", full_page=True)

    # Fixed: saved, and the mark and the message are gone.
    keyboard.type("1000")
    keyboard.press("Tab")
    expect(page.locator(f"#l{saved.pk}-g")).to_have_text("3,500.00")
    expect(stored).to_have_value("1,000.00")
    expect(stored).not_to_have_attribute("aria-invalid", "true")
    assert stored.get_attribute("aria-describedby") is None
    expect(page.locator(f"#l{saved.pk}-error")).to_be_empty()
    assert line(invoice, 1).materials_stored == D("1000.00")

    # Up to the Submit button by Shift+Tab, and Enter.
    submit = page.get_by_role("button", name="Submit for review")
    for _ in range(80):
        if submit.evaluate("(button) => button === document.activeElement"):
            break
        keyboard.press("Shift+Tab")
    expect(submit).to_be_focused()
    keyboard.press("Enter")
    expect(page.locator(".subtitle")).to_contain_text("Under review")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.UNDER_REVIEW


def test_no_hidden_tab_stop_and_each_100_percent_button_names_its_line(live_server, page, invoice):
    log_in(page, live_server, "admin@acme.test")
    page.goto(invoice_url(live_server, invoice))
    # From line 1's last cell, Tab reaches its 100% button, then line 2's checkbox: the
    # no-JavaScript "Save line 1" is not on the page with JavaScript.
    g703_cell(page, "Retainage rate", 1).focus()
    page.keyboard.press("Tab")
    expect(focused(page)).to_have_accessible_name("Bill line 1 to 100%")
    page.keyboard.press("Tab")
    expect(focused(page)).to_have_accessible_name("Select line 2")
    expect(page.get_by_role("button", name="Save line 1")).to_have_count(0)
    # Space on the 100% button bills the line to its scheduled value.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")
    expect(page.locator(f"#l{line(invoice, 1).pk}-g")).to_have_text("10,000.00")


def test_the_focus_ring_in_the_grid_is_visible(live_server, page, invoice):
    """At least 3:1 against white and the rows' backgrounds: the accent, #2563a6."""
    log_in(page, live_server, "admin@acme.test")
    page.goto(invoice_url(live_server, invoice))
    work = g703_cell(page, "Work this period", 1)
    work.focus()
    style = work.evaluate(
        "(input) => { const s = getComputedStyle(input); return [s.outlineStyle, s.outlineColor] }"
    )
    assert style == ["solid", "rgb(37, 99, 166)"]


@pytest.mark.parametrize("email", ["admin@acme.test", CONTACT])
def test_axe_finds_nothing_serious_in_the_draft_grid(live_server, new_page, invoice, email):
    page = new_page()
    log_in(page, live_server, email)
    page.goto(invoice_url(live_server, invoice))
    expect(g703_cell(page, "Work this period", 1)).to_be_editable()
    assert serious_violations(page) == []


def test_without_javascript_enter_saves_the_row_and_its_save_button_shows(
    live_server, new_context, browser_problems, invoice
):
    """The no-JavaScript path: "Save line N" is shown and takes a Tab stop, and Enter in a
    cell submits the row with it, not with "100%" (the row's form's default button)."""
    page = new_context(java_script_enabled=False).new_page()
    log_in(page, live_server, "admin@acme.test")
    page.goto(invoice_url(live_server, invoice))
    save = page.get_by_role("button", name="Save line 1")
    expect(save).to_be_visible()
    work = g703_cell(page, "Work this period", 1)
    work.fill("2500")
    work.press("Enter")
    expect(g703_cell(page, "Work this period", 1)).to_have_value("2,500.00")
    expect(page.locator(f"#l{line(invoice, 1).pk}-g")).to_have_text("2,500.00")
    # Refused: the page comes back with the cell as typed, marked, and its message.
    work = g703_cell(page, "Work this period", 1)
    work.fill("12000")
    g703_cell(page, "Retainage rate", 1).focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save line 1")).to_be_focused()
    page.keyboard.press("Enter")
    work = g703_cell(page, "Work this period", 1)
    expect(work).to_have_value("12000")
    expect(work).to_have_attribute("aria-invalid", "true")
    assert described_by(page, work).startswith("Line 1, E, work this period: ")
    assert line(invoice, 1).work_this_period == D("2500.00")
    # The refusal's 422, by design, is the only problem the browser reports.
    refused = [each for each in browser_problems if "status of 422" in each]
    assert len(refused) == 1
    browser_problems.remove(refused[0])
