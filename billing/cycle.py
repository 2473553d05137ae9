"""The dates of billing periods, from a project's settings (docs/periods.md, the automatic
cycle). Pure functions of dates: no database, no clock.

One rule for every frequency: a period starts the day after the one before it ends, so
periods never overlap and leave no gap, even after a period an admin made by hand with
other dates; the frequency decides where a period ends and when it is due. The start day
(monthly) and the week's first day (weekly) place the first period only.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

MONTHLY, TWICE_A_MONTH, WEEKLY, OFF = "monthly", "twice_a_month", "weekly", "off"
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Rules:
    """What a project's settings say about its periods (BillingSettings.period_*)."""

    frequency: str = MONTHLY
    start_day: int = 1  # 1–28
    end_day: int = 31  # 1–31; 31, or any day a month lacks, is the month's last day
    due_day: int = 25  # 1–31, as end_day
    week_start: int = 0  # Monday

    @classmethod
    def of(cls, settings):
        return cls(
            frequency=settings.period_frequency,
            start_day=settings.period_start_day,
            end_day=settings.period_end_day,
            due_day=settings.period_due_day,
            week_start=settings.period_week_start,
        )


@dataclass(frozen=True)
class Dates:
    start: date
    end: date
    due: date


def _day_in(year, month, day):
    """`day` of that month, or its last day when the month is shorter."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _next_month(day):
    return (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)


def _previous_month(day):
    return (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)


def _end(rules, start):
    """Where the period that starts on `start` ends."""
    if rules.frequency == WEEKLY:
        # The day before the week's first day: 7 days, or fewer after an odd period.
        last_weekday = (rules.week_start - 1) % 7
        return start + timedelta(days=(last_weekday - start.weekday()) % 7)
    if rules.frequency == TWICE_A_MONTH:
        if start.day <= 15:
            return date(start.year, start.month, 15)
        return _day_in(start.year, start.month, 31)
    # Monthly: the first end day on or after the start; an end day before the start day
    # (start 26, end 25) falls in the next month.
    end = _day_in(start.year, start.month, rules.end_day)
    if end < start:
        end = _day_in(*_next_month(start), rules.end_day)
    return end


def _due(rules, start, end):
    """The due day inside the period. Monthly: the due day of the end's month when it
    falls in the period, else the start's month's, else the end's month's clamped into the
    period (start 1, end 20, due 25: the 20th).
    Twice a month: the due day when it falls in the half, else the period's last day.
    Weekly: the last day."""
    if rules.frequency == WEEKLY:
        return end
    candidates = [
        _day_in(start.year, start.month, rules.due_day),
        _day_in(end.year, end.month, rules.due_day),
    ]
    inside = [day for day in candidates if start <= day <= end]
    if inside:
        return inside[-1]
    if rules.frequency == TWICE_A_MONTH:
        return end
    return min(max(candidates[-1], start), end)


def _period(rules, start):
    end = _end(rules, start)
    return Dates(start, end, _due(rules, start, end))


def next_period(rules, after):
    """The period that follows `after` (any object with start/end dates, or Dates): it
    starts the day after `after` ends."""
    return _period(rules, _end_of(after) + ONE_DAY)


def _end_of(period):
    return getattr(period, "end_date", None) or period.end


def first_period(rules, day):
    """The period that contains `day`, for a project that has none yet."""
    if rules.frequency == WEEKLY:
        start = day - timedelta(days=(day.weekday() - rules.week_start) % 7)
    elif rules.frequency == TWICE_A_MONTH:
        start = day.replace(day=1 if day.day <= 15 else 16)
    else:
        month = (day.year, day.month) if day.day >= rules.start_day else _previous_month(day)
        start = date(*month, rules.start_day)
    period = _period(rules, start)
    # An end day that leaves days uncovered (start 1, end 25, on the 28th): the next one.
    while period.end < day:
        period = _period(rules, period.end + ONE_DAY)
    return period


def upcoming_period(rules, last, today):
    """The period the cycle makes next: the one after `last` (None: the project has none,
    the one containing today). Periods nobody made while the cycle was off are not made
    late: the chain after `last` is skipped forward to the period containing today."""
    if last is None:
        return first_period(rules, today)
    period = next_period(rules, last)
    while period.end < today:
        period = next_period(rules, period)
    return period
