"""A person logs in through the real login page in headless Chromium."""

import pytest
from playwright.sync_api import expect

from permissions.levels import Level
from tests.factories import PASSWORD, ProjectFactory
from tests.helpers import grant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_log_in_and_reach_the_project_list(live_server, page, company, member, output_dir):
    for name, number in [("Riverside Clinic", "P-100"), ("Oak Street Garage", "P-101")]:
        grant(member, ProjectFactory(company=company, name=name, number=number), Level.READ_ONLY)

    errors = []  # a CSP violation or a broken script shows up as a console error
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(f"{live_server.url}/acme/projects/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/acme/projects/")
    page.get_by_label("Email").fill("member@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(f"{live_server.url}/acme/projects/")
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()
    expect(page.get_by_role("link", name="Riverside Clinic")).to_be_visible()
    page.screenshot(path=output_dir / "project-list.png", full_page=True)
    assert errors == []


def test_a_wrong_password_shows_a_message(live_server, page, member, output_dir):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("member@acme.test")
    page.get_by_label("Password").fill("not-it")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct email")
    page.screenshot(path=output_dir / "login-error.png")
