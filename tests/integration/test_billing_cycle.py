"""The automatic billing cycle (docs/periods.md): the beat job, day after day with the clock
set, creates and opens each next period once, closes the one that ended, and leaves a
project without automatic periods alone; runs twice, or racing, change nothing more."""

import logging
import threading
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from django_scopes import scope, scopes_disabled

from billing import services
from billing.models import BillingPeriod, BillingSettings
from billing.tasks import run_billing_cycle
from tenancy.models import Project
from tests.factories import BillingPeriodFactory, CompanyFactory, ProjectFactory
from tests.worker import celery_worker

pytestmark = pytest.mark.django_db(transaction=True)
ZONE = ZoneInfo("America/New_York")
OPEN, CLOSED = BillingPeriod.Status.OPEN, BillingPeriod.Status.CLOSED


def automatic(project, **fields):
    values = {
        "period_frequency": BillingSettings.Frequency.MONTHLY,
        "period_start_day": 1,
        "period_end_day": 31,
        "period_due_day": 25,
        "period_lead_days": 3,
    } | fields
    with scopes_disabled():
        BillingSettings.objects.update_or_create(project=project, defaults=values)
        settings = BillingSettings.objects.get(project=project)
    assert {name: getattr(settings, name) for name in values} == values
    return project


@pytest.fixture
def projects(company, project):
    """Two projects of two companies on automatic monthly periods, and one with them off."""
    other = ProjectFactory(company=CompanyFactory(slug="other"), name="Other")
    manual = ProjectFactory(company=company, name="Manual")
    automatic(project)
    automatic(other)
    BillingSettings.objects.create(project=manual)  # frequency off, the default
    stale = BillingPeriodFactory(
        project=manual,
        position=1,
        start_date=date(2026, 12, 1),
        end_date=date(2026, 12, 31),
        due_date=date(2026, 12, 25),
        status=OPEN,
    )
    return project, other, manual, stale


def periods_of(project):
    with scopes_disabled():
        return [
            (p.start_date, p.end_date, p.due_date, p.status, p.created_automatically)
            for p in BillingPeriod.objects.filter(project=project).order_by("position")
        ]


def at(day, hour=9):
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZONE)


def test_a_month_of_days_makes_each_period_once_on_time(projects):
    project, other, manual, stale = projects
    first = date(2027, 1, 10)
    seen = {}
    with time_machine.travel(at(first), tick=False) as clock:
        for offset in range(35):
            day = first + timedelta(days=offset)
            clock.move_to(at(day, 9))
            run_billing_cycle()
            clock.move_to(at(day, 15))
            run_billing_cycle()
            if offset % 3 == 0:  # some days the beat fires twice
                run_billing_cycle()
            seen[day] = periods_of(project)
    january = (date(2027, 1, 1), date(2027, 1, 31), date(2027, 1, 25))
    february = (date(2027, 2, 1), date(2027, 2, 28), date(2027, 2, 25))
    # The first run makes the period containing its day; the next opens 3 days early.
    assert seen[first] == [(*january, OPEN, True)]
    assert seen[date(2027, 1, 28)] == [(*january, OPEN, True)]
    assert seen[date(2027, 1, 29)] == [(*january, CLOSED, True), (*february, OPEN, True)]
    assert seen[date(2027, 2, 13)] == seen[date(2027, 1, 29)]
    assert periods_of(other) == seen[date(2027, 2, 13)]
    # Frequency off: untouched, its ended period still open.
    assert periods_of(manual) == [(stale.start_date, stale.end_date, stale.due_date, OPEN, False)]


def test_a_period_that_ended_is_closed_and_the_missed_ones_are_not_made_late(company, project):
    automatic(project, period_lead_days=0)
    BillingPeriodFactory(
        project=project,
        position=1,
        start_date=date(2026, 10, 1),
        end_date=date(2026, 10, 31),
        due_date=date(2026, 10, 25),
        status=OPEN,
    )
    with time_machine.travel(at(date(2027, 1, 5)), tick=False):
        run_billing_cycle()
    assert periods_of(project) == [
        (date(2026, 10, 1), date(2026, 10, 31), date(2026, 10, 25), CLOSED, False),
        (date(2027, 1, 1), date(2027, 1, 31), date(2027, 1, 25), OPEN, True),
    ]


def test_the_job_runs_on_a_real_worker(projects):
    project, other, manual, _ = projects
    with time_machine.travel(at(date(2027, 3, 2)), tick=True), celery_worker():
        run_billing_cycle.delay()
        run_billing_cycle.delay()  # the beat fired twice
        deadline = time.monotonic() + 30
        while len(periods_of(other)) < 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)  # time enough for the second run, were it to make a second period
    march = (date(2027, 3, 1), date(2027, 3, 31), date(2027, 3, 25), OPEN, True)
    assert periods_of(project) == periods_of(other) == [march]
    assert len(periods_of(manual)) == 1


def test_two_runs_racing_make_one_period_the_constraint_refusing_the_second(
    company, project, caplog
):
    """Both runs read the project's periods before either writes (the main thread holds
    the project's lock meanwhile): the second insert hits period_unique_start."""
    # Whatever an earlier test left of the logging levels, this logger's INFO is read here.
    caplog.set_level(logging.INFO, logger="billing.services")
    automatic(project)
    results, errors = [], []
    ready = threading.Barrier(3)

    def run():
        try:
            with scope(company=company):
                ready.wait()
                results.append(services.periods_advance(project=project, today=date(2027, 4, 8)))
        except Exception as error:  # the test reports it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    with transaction.atomic(), scopes_disabled():
        Project.objects.select_for_update().get(pk=project.pk)
        for thread in threads:
            thread.start()
        ready.wait()
        time.sleep(1)  # both have read, and wait on the lock
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(result is None for result in results) == [False, True]
    assert periods_of(project) == [
        (date(2027, 4, 1), date(2027, 4, 30), date(2027, 4, 25), OPEN, True)
    ]
    assert "exists already" in caplog.text


def test_lead_days_longer_than_a_period_open_one_period_ahead_at_most(company, project):
    automatic(project, period_frequency=BillingSettings.Frequency.WEEKLY, period_lead_days=20)
    with time_machine.travel(at(date(2027, 1, 6)), tick=False) as clock:  # a Wednesday
        for offset in range(10):
            clock.move_to(at(date(2027, 1, 6) + timedelta(days=offset)))
            run_billing_cycle()
            run_billing_cycle()
    # The week of Jan 4, then the next one made at once (within 20 days), and no more
    # until that one starts; then the one after it.
    starts = [(start, status) for start, _, _, status, _ in periods_of(project)]
    assert starts == [
        (date(2027, 1, 4), CLOSED),
        (date(2027, 1, 11), CLOSED),
        (date(2027, 1, 18), OPEN),
    ]
