"""The manual period form offers the next dates from the project's settings
(docs/periods.md); the admin may change them, and still creates, edits and closes by hand
when the cycle is on."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django_scopes import scopes_disabled

from billing.models import BillingPeriod, BillingSettings
from tests.factories import BillingPeriodFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


def new_url(project):
    return f"/acme/projects/{project.pk}/billing-periods/new/"


@pytest.fixture
def twice_a_month(project):
    BillingSettings.objects.create(
        project=project,
        period_frequency=BillingSettings.Frequency.TWICE_A_MONTH,
        period_due_day=10,
    )


def test_a_project_without_periods_is_offered_the_one_containing_today(
    project, admin, twice_a_month
):
    with time_machine.travel(datetime(2027, 3, 5, 9, tzinfo=ZoneInfo("America/New_York"))):
        # Logged in on that day: a session from today would have expired by then.
        page = client_for(admin).get(new_url(project)).content.decode()
    for name, value in [("start_date", "2027-03-01"), ("end_date", "2027-03-15"),
                        ("due_date", "2027-03-10")]:  # fmt: skip
        assert f'name="{name}" value="{value}"' in page


def test_the_period_after_the_last_is_offered_by_the_settings_days(project, admin_client):
    BillingSettings.objects.create(project=project, period_start_day=26, period_end_day=25,
                                   period_due_day=20)  # fmt: skip
    BillingPeriodFactory(project=project, position=1, start_date=date(2026, 11, 26),
                         end_date=date(2026, 12, 25), due_date=date(2026, 12, 20))  # fmt: skip
    page = admin_client.get(new_url(project)).content.decode()
    for name, value in [("start_date", "2026-12-26"), ("end_date", "2027-01-25"),
                        ("due_date", "2027-01-20")]:  # fmt: skip
        assert f'name="{name}" value="{value}"' in page


def test_with_the_cycle_on_an_admin_still_creates_by_hand(project, admin_client, twice_a_month):
    response = admin_client.post(
        new_url(project),
        {"start_date": "2027-05-01", "end_date": "2027-05-20", "due_date": "2027-05-18"},
    )
    assert response.status_code == 302
    with scopes_disabled():
        period = BillingPeriod.objects.get()
    assert (period.end_date, period.created_automatically) == (date(2027, 5, 20), False)
