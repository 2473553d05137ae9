"""Writes on billing periods and the project's billing settings."""

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tenancy.models import Project

from . import cycle
from .models import BillingPeriod, BillingSettings

Status = BillingPeriod.Status
Frequency = BillingSettings.Frequency
logger = logging.getLogger(__name__)


def _lock_project(project):
    """Period changes of one project happen one at a time: overlaps are checked, not raced."""
    Project.objects.select_for_update().filter(pk=project.pk).first()


def _check_dates(*, start_date, end_date, due_date):
    errors = {}
    if end_date < start_date:
        errors["end_date"] = "The end date must be on or after the start date."
    if due_date < start_date:
        errors["due_date"] = "The due date must be on or after the start date."
    if errors:
        raise ValidationError(errors)


def _check_overlap(period):
    overlapping = (
        BillingPeriod.objects.filter(
            project=period.project,
            start_date__lte=period.end_date,
            end_date__gte=period.start_date,
        )
        .exclude(pk=period.pk)
        .first()
    )
    if overlapping:
        raise ValidationError(f"These dates overlap {overlapping}.")


@transaction.atomic
def period_create(*, project, start_date, end_date, due_date, open_it=False):
    """Add the project's next billing period; periods follow one another in time."""
    _lock_project(project)
    _check_dates(start_date=start_date, end_date=end_date, due_date=due_date)
    last = BillingPeriod.objects.filter(project=project).order_by("-position").first()
    if last and start_date <= last.end_date:
        raise ValidationError(
            {
                "start_date": f"The next period starts after {last.end_date:%b %d, %Y}, "
                f"the end of {last}."
            }
        )
    position = (last.position if last else 0) + 1
    period = BillingPeriod.objects.create(
        project=project,
        position=position,
        start_date=start_date,
        end_date=end_date,
        due_date=due_date,
    )
    if open_it:
        period_open(period=period)
    return period


@transaction.atomic
def period_update(*, period, start_date, end_date, due_date):
    _lock_project(period.project)
    _check_dates(start_date=start_date, end_date=end_date, due_date=due_date)
    period.start_date, period.end_date, period.due_date = start_date, end_date, due_date
    _check_overlap(period)
    period.save()
    return period


@transaction.atomic
def period_open(*, period):
    """Open a period; the one open before it closes (one period is open at a time)."""
    _lock_project(period.project)
    BillingPeriod.objects.filter(project=period.project, status=Status.OPEN).exclude(
        pk=period.pk
    ).update(status=Status.CLOSED)
    period.status = Status.OPEN
    period.save(update_fields=["status"])
    return period


@transaction.atomic
def period_close(*, period):
    period.status = Status.CLOSED
    period.save(update_fields=["status"])
    return period


def billing_settings(project):
    """The project's settings, created with the defaults on first use."""
    settings, _ = BillingSettings.objects.get_or_create(project=project)
    return settings


@transaction.atomic
def periods_advance(*, project, today):
    """One step of the automatic cycle (docs/periods.md) for one project, run by the beat
    job as often as it likes: the open period whose end has passed is closed, and the next
    period is created and opened once `today` is within the lead days of its start. The
    result: the period created, or None. A project with automatic periods off is untouched.

    Exactly once, however many runs and beats: the next period is worked out from what
    the project had when this run read it; when another run (or an admin) added a period
    since, the insert hits period_unique_start or period_unique_position, caught in a
    savepoint: nothing is made and nothing fails. The insert waits for the project's lock,
    so it never races an admin's period_create, which checks its dates under that lock.
    """
    settings = billing_settings(project)
    if settings.period_frequency == Frequency.OFF:
        return None
    last = BillingPeriod.objects.filter(project=project).order_by("-position").first()
    dates = cycle.upcoming_period(cycle.Rules.of(settings), last, today)
    _lock_project(project)
    BillingPeriod.objects.filter(project=project, status=Status.OPEN, end_date__lt=today).update(
        status=Status.CLOSED
    )
    if today < dates.start - timedelta(days=settings.period_lead_days):
        return None
    if last is not None and last.start_date > today:
        # One period ahead at most: lead days longer than a period (20 days on weekly
        # periods) would otherwise open one after another ahead of the running one.
        return None
    try:
        with transaction.atomic():
            period = BillingPeriod.objects.create(
                project=project,
                position=(last.position if last else 0) + 1,
                start_date=dates.start,
                end_date=dates.end,
                due_date=dates.due,
                created_automatically=True,
            )
    except IntegrityError:
        logger.info("%s: the period starting %s exists already", project, dates.start)
        return None
    return period_open(period=period)
