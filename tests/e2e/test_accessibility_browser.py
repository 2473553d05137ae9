"""The accessibility sweep (issue 16): every page of one of everything, opened in headless
Chromium by an administrator and by an invoice contact, passes axe-core's WCAG 2.0/2.1/2.2
A and AA rules with no critical or serious violation. The checking itself is the browser
tests' harness (tests/e2e/conftest.py); this test brings it every page there is
(docs/accessibility.md)."""

import re
from decimal import Decimal as D

import pytest
from django.urls import resolve
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from billing.models import BillingPeriod
from invoices.invitations import invite_to_bill
from invoices.services import invoice_submit
from permissions.levels import Level
from tenancy.models import Project
from tests.factories import (
    BillingPeriodFactory,
    ContractFactory,
    MembershipFactory,
    PersonFactory,
    SOVLineFactory,
)
from tests.helpers import client_for, grant, log_in, make_invoice, one_of_everything
from tests.urlsweep import fill_route, url_patterns

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Parameters the sweep cannot fill: those pages are reached from their emails (the
# invitation below; the waiver's signing page in test_getting_paid_browser.py).
EMAILED = ("token>", "uidb64>")


@pytest.fixture
def world(company, admin):
    """One of everything, and a submitted invoice with change orders (its review page, its
    reason inputs) whose invoice contact is a member at Standard on commitments."""
    values = one_of_everything(company)
    with scopes_disabled():
        project = Project.objects.get(pk=values["project"])
    invoice = make_invoice(company, project, admin)
    with scope(company=company):
        invoice_submit(invoice=invoice, acting_user=admin)
    contact = MembershipFactory(company=company, user__email="pm@apex.test").user
    grant(contact, project, commitments=Level.STANDARD)
    person = PersonFactory(vendor=invoice.contract.vendor, email=contact.email, user=contact)
    with scope(company=company):
        invoice.contract.invoice_contacts.set([person])
    # A company invitation is answered by POST only: its URL opens no page.
    values["company_invitation"] = 0
    submitted = values | {"contract": invoice.contract_id, "invoice": invoice.pk}
    return {"values": (values, submitted), "project": project, "contact": contact}


def pages(user, values_sets):
    """Every page `user` may open: each URL pattern, filled with each set of values, that
    answers `user` a whole HTML page (not a download, a fragment, a redirect or a refusal)."""
    client = client_for(user)
    client.raise_request_exception = False  # one_of_everything's files are names, not files
    found = {}
    for values in values_sets:
        for route, _ in url_patterns():
            if any(part in route for part in EMAILED):
                continue
            path = fill_route(route, values)
            response = client.get(path)
            if (
                response.status_code == 200
                and not response.streaming
                and response["Content-Type"].startswith("text/html")
                and b"<html" in response.content
            ):
                found.setdefault(path, resolve(path).url_name)
    return found


def visit(page, live_server, found, who, output_dir):
    for path, name in found.items():
        response = page.goto(f"{live_server.url}{path}")
        assert response.ok, path
        page.screenshot(path=output_dir / f"a11y-{who}-{name}.png", full_page=True)


def test_every_page_as_admin(live_server, page, admin, world, output_dir, browser_problems):
    found = pages(admin, world["values"])
    # Every kind the issue names is among them.
    for name in (
        "project_list",
        "project_detail",
        "contract_list",
        "contract_detail",
        "invoicing",
        "invoice_detail",
        "invoice_review",
        "project_settings",
        "company_settings",
        "contract_payments",
        "payables",
        "receivables",
        "invoice_waivers",
        "compliance_settings",
        "compliance_document_types",
    ):
        assert name in found.values(), name
    log_in(page, live_server, "admin@acme.test")
    visit(page, live_server, found, "admin", output_dir)

    # A refused form (422): each message at its field, under the id its input points at.
    project = world["project"]
    page.goto(f"{live_server.url}/acme/projects/{project.pk}/settings/progress-billings/")
    retainage = page.locator("section#retainage")
    retainage.get_by_label("From % complete, rule 1").fill("10")
    retainage.get_by_label("Retain (%), rule 1").fill("150")
    retainage.get_by_role("button").click()
    expect(page.locator("section#retainage .error")).not_to_have_count(0)
    page.screenshot(path=output_dir / "a11y-admin-refused-form.png", full_page=True)
    # The 422 asked for, which the browser logs as a failed load, is off the watch list.
    [refused] = [each for each in browser_problems if "422" in each]
    browser_problems.remove(refused)


def test_every_page_as_invoice_contact(live_server, page, world, output_dir):
    found = pages(world["contact"], world["values"])
    for name in ("project_detail", "invoice_detail", "invoice_compliance_upload"):
        assert name in found.values(), name
    log_in(page, live_server, "pm@apex.test")
    visit(page, live_server, found, "contact", output_dir)


def test_the_invitation_and_the_invoice_it_opens(
    live_server, page, company, admin, world, smtp_server, output_dir
):
    project = world["project"]
    period = BillingPeriodFactory(project=project, status=BillingPeriod.Status.OPEN)
    contract = ContractFactory(project=project, number="SC-4", title="Drywall")
    SOVLineFactory(contract=contract, number="1", scheduled_value=D("40000.00"))
    person = PersonFactory(vendor=contract.vendor, full_name="Pat Foreman", email="pat@x.test")
    with scope(company=company):
        contract.invoice_contacts.set([person])
        invite_to_bill(contracts=[contract], period=period, acting_user=admin)
    [message] = smtp_server.wait_for(1)
    link = re.search(r"http://\S+(/invitations/\S+/)", message.get_content()).group(1)

    page.goto(f"{live_server.url}{link}")
    expect(page.get_by_role("heading", name="Do you want to bill this period?")).to_be_visible()
    page.screenshot(path=output_dir / "a11y-invitation.png", full_page=True)
    page.locator("#id_new_password1").fill("a-long-and-new-password-42")
    page.locator("#id_new_password2").fill("a-long-and-new-password-42")
    page.get_by_role("button", name="Yes, open my invoice").click()
    expect(page.locator("h1")).to_contain_text("SC-4 Drywall")


# The focused element's ring, and the colour around it: the first ancestor with a background.
FOCUS_RING = """() => {
  const element = document.activeElement, style = getComputedStyle(element);
  let around = element.parentElement;
  while (around && getComputedStyle(around).backgroundColor === "rgba(0, 0, 0, 0)") {
    around = around.parentElement;
  }
  const background = around ? getComputedStyle(around).backgroundColor : "rgb(255, 255, 255)";
  return {element: element.outerHTML.slice(0, 120), style: style.outlineStyle,
          width: parseFloat(style.outlineWidth), color: style.outlineColor, background};
}"""


def luminance(rgb):
    red, green, blue = (
        c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        for c in (int(n) / 255 for n in re.findall(r"\d+", rgb)[:3])
    )
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(one, other):
    lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_every_focus_ring_stands_out_from_what_is_around_it(live_server, page, admin, world):
    """WCAG 1.4.11 and 2.4.7: at each Tab stop of a page with every kind of control (menus,
    links, inputs, selects, buttons), the ring is at least 2px and 3:1 against the colour
    around it: white panels, the page's grey, the dark top bar."""
    values, submitted = world["values"]
    log_in(page, live_server, "admin@acme.test")
    for path in (
        f"/acme/projects/{values['project']}/contracts/{submitted['contract']}/",
        f"/acme/projects/{values['project']}/settings/progress-billings/",
    ):
        page.goto(f"{live_server.url}{path}")
        seen = 0
        for _ in range(40):
            page.keyboard.press("Tab")
            ring = page.evaluate(FOCUS_RING)
            if ring["element"].startswith("<body"):
                break
            seen += 1
            assert ring["style"] != "none" and ring["width"] >= 2, ring
            assert contrast(ring["color"], ring["background"]) >= 3, ring
        assert seen >= 20, path
