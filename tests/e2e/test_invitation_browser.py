"""An invoice contact answers an invitation to bill in headless Chromium: the admin invites
from the invoicing page, the contact opens the emailed link, sets a password, lands on
its invoice and types its first figure."""

import re
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import expect

from billing.models import BillingPeriod
from invoices.services import invoice_create
from tests.factories import BillingPeriodFactory, ContractFactory, PersonFactory, SOVLineFactory
from tests.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_contact_accepts_the_invitation_and_fills_in_its_invoice(
    live_server, new_page, company, admin, project, vendor, smtp_server, output_dir
):
    period = BillingPeriodFactory(project=project, status=BillingPeriod.Status.OPEN)
    contract = ContractFactory(project=project, vendor=vendor, number="SC-4", title="Drywall")
    SOVLineFactory(contract=contract, number="1", scheduled_value=D("40000.00"))
    person = PersonFactory(vendor=vendor, full_name="Pat Foreman", email="pat@apex.test")
    with scope(company=company):
        contract.invoice_contacts.set([person])

    admin = new_page()
    log_in(admin, live_server, "admin@acme.test")
    admin.goto(
        f"{live_server.url}/acme/projects/{project.pk}/billing-periods/{period.pk}/invoicing/"
    )
    admin.get_by_label("Select SC-4 to invite").check()
    admin.get_by_placeholder("Message for them (optional)").fill("Due on the 25th, please.")
    admin.get_by_role("button", name="Invite to bill").click()
    expect(admin.locator(".messages")).to_contain_text("1 invoice contact invited")
    expect(admin.locator("tbody")).to_contain_text("Invited")
    admin.screenshot(path=output_dir / "invoicing-invited.png", full_page=True)

    [message] = smtp_server.wait_for(1)
    link = re.search(r"http://\S+(/invitations/\S+/)", message.get_content()).group(1)
    contact = new_page()
    contact.goto(f"{live_server.url}{link}")
    expect(contact.get_by_role("heading", name="Do you want to bill this period?")).to_be_visible()
    contact.locator("#id_new_password1").fill("a-long-and-new-password-42")
    contact.locator("#id_new_password2").fill("a-long-and-new-password-42")
    contact.screenshot(path=output_dir / "invitation.png", full_page=True)
    contact.get_by_role("button", name="Yes, open my invoice").click()

    expect(contact.locator("h1")).to_contain_text("Subcontractor invoice #1 · SC-4 Drywall")
    work = contact.get_by_label("Work this period, line 1", exact=True)
    work.fill("4000")
    work.press("Tab")
    expect(contact.locator("#g702")).to_contain_text("4,000.00")
    contact.screenshot(path=output_dir / "invitation-accepted-invoice.png", full_page=True)


def test_a_draft_is_invited_from_its_row_and_a_past_due_link_says_whom_to_ask(
    live_server, new_page, company, admin, project, vendor, smtp_server, output_dir
):
    admin.full_name = "Alex Admin"
    admin.save(update_fields=["full_name"])
    period = BillingPeriodFactory(project=project, status=BillingPeriod.Status.OPEN)
    drafted = ContractFactory(project=project, vendor=vendor, number="SC-4", title="Drywall")
    fresh = ContractFactory(project=project, vendor=vendor, number="SC-5", title="Paint")
    person = PersonFactory(vendor=vendor, full_name="Pat Foreman", email="pat@apex.test")
    with scope(company=company):
        for contract in (drafted, fresh):
            SOVLineFactory(contract=contract, number="1", scheduled_value=D("40000.00"))
            contract.invoice_contacts.set([person])
        invoice_create(contract=drafted, period=period, acting_user=admin)

    page = new_page()
    log_in(page, live_server, "admin@acme.test")
    page.goto(
        f"{live_server.url}/acme/projects/{project.pk}/billing-periods/{period.pk}/invoicing/"
    )
    page.get_by_label("Select invoice of SC-4").check()
    page.get_by_label("Select SC-5 to invite").check()
    page.get_by_role("button", name="Invite to bill").click()
    expect(page.locator(".messages")).to_contain_text("2 invoice contacts invited")
    page.screenshot(path=output_dir / "invoicing-draft-invited.png", full_page=True)

    links = {}
    for message in smtp_server.wait_for(2):
        number = re.search(r"SC-\d", message["Subject"]).group(0)
        links[number] = re.search(r"http://\S+(/invitations/\S+/)", message.get_content()).group(1)
    # The period's due date passes: SC-5 has no invoice, which its contact may not start.
    today = timezone.localdate()
    period.start_date, period.end_date = today - timedelta(days=40), today - timedelta(days=10)
    period.due_date = today - timedelta(days=1)
    period.save()

    contact = new_page()
    contact.goto(f"{live_server.url}{links['SC-5']}")
    expect(contact.get_by_role("alert")).to_contain_text(
        "invoice contacts can no longer start an invoice for it. "
        "Ask Alex Admin (admin@acme.test) to start it for you."
    )
    expect(contact.get_by_role("button", name="Yes, open my invoice")).to_have_count(0)
    contact.screenshot(path=output_dir / "invitation-past-due.png", full_page=True)

    # SC-4's Draft can still be finished.
    contact.goto(f"{live_server.url}{links['SC-4']}")
    contact.locator("#id_new_password1").fill("a-long-and-new-password-42")
    contact.locator("#id_new_password2").fill("a-long-and-new-password-42")
    contact.get_by_role("button", name="Yes, open my invoice").click()
    expect(contact.locator(".messages")).to_contain_text(
        "Subcontractor invoice #1 of SC-4 is yours to fill in."
    )
    expect(contact.get_by_role("button", name="Submit for review")).to_be_visible()
    contact.screenshot(path=output_dir / "invitation-draft-accepted.png", full_page=True)
