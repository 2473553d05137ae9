"""The dates of automatic billing periods (billing/cycle.py, docs/periods.md): examples for
each frequency, and properties over random settings and days (hypothesis)."""

from datetime import date, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from billing.cycle import (
    MONTHLY,
    TWICE_A_MONTH,
    WEEKLY,
    Dates,
    Rules,
    first_period,
    next_period,
    upcoming_period,
)


def chain(rules, day, count):
    periods = [first_period(rules, day)]
    while len(periods) < count:
        periods.append(next_period(rules, periods[-1]))
    return periods


def test_monthly_from_the_first_to_the_last_day_due_on_the_25th():
    periods = chain(Rules(MONTHLY, 1, 31, 25), date(2026, 12, 7), 3)
    assert periods == [
        Dates(date(2026, 12, 1), date(2026, 12, 31), date(2026, 12, 25)),
        Dates(date(2027, 1, 1), date(2027, 1, 31), date(2027, 1, 25)),
        Dates(date(2027, 2, 1), date(2027, 2, 28), date(2027, 2, 25)),
    ]


def test_monthly_ending_in_the_next_month_when_the_end_day_is_before_the_start_day():
    periods = chain(Rules(MONTHLY, 26, 25, 20), date(2027, 1, 10), 2)
    assert periods == [
        Dates(date(2026, 12, 26), date(2027, 1, 25), date(2027, 1, 20)),
        Dates(date(2027, 1, 26), date(2027, 2, 25), date(2027, 2, 20)),
    ]


def test_monthly_end_and_due_day_31_are_each_months_last_day():
    periods = chain(Rules(MONTHLY, 1, 30, 31), date(2027, 2, 3), 3)
    assert [(p.end, p.due) for p in periods] == [
        (date(2027, 2, 28), date(2027, 2, 28)),
        # The day after Feb 28 starts the next one: no gap, however short February is.
        (date(2027, 3, 30), date(2027, 3, 30)),
        (date(2027, 4, 30), date(2027, 4, 30)),
    ]
    assert periods[2].start == date(2027, 3, 31)


def test_monthly_due_day_outside_the_period_is_clamped_into_it():
    # Start 1, end 20: a due day of 25 falls after the period; it is due on its last day.
    assert first_period(Rules(MONTHLY, 1, 20, 25), date(2027, 3, 5)).due == date(2027, 3, 20)


def test_twice_a_month_halves_due_on_the_due_day_when_it_falls_in_the_half():
    periods = chain(Rules(TWICE_A_MONTH, due_day=10), date(2027, 2, 20), 4)
    assert periods == [
        Dates(date(2027, 2, 16), date(2027, 2, 28), date(2027, 2, 28)),
        Dates(date(2027, 3, 1), date(2027, 3, 15), date(2027, 3, 10)),
        Dates(date(2027, 3, 16), date(2027, 3, 31), date(2027, 3, 31)),
        Dates(date(2027, 4, 1), date(2027, 4, 15), date(2027, 4, 10)),
    ]


def test_weekly_from_the_weeks_first_day_due_on_its_last():
    wednesday = 2
    periods = chain(Rules(WEEKLY, week_start=wednesday), date(2026, 12, 7), 2)  # a Monday
    assert periods == [
        Dates(date(2026, 12, 2), date(2026, 12, 8), date(2026, 12, 8)),
        Dates(date(2026, 12, 9), date(2026, 12, 15), date(2026, 12, 15)),
    ]


def test_after_an_odd_period_made_by_hand_the_next_starts_the_day_after_it():
    odd = Dates(date(2026, 12, 1), date(2026, 12, 10), date(2026, 12, 10))
    after = next_period(Rules(WEEKLY, week_start=0), odd)
    # Dec 11 is a Friday: a short period up to Sunday, then whole weeks again.
    assert (after.start, after.end) == (date(2026, 12, 11), date(2026, 12, 13))


def test_the_periods_missed_while_the_cycle_was_off_are_skipped_not_made_late():
    last = Dates(date(2026, 1, 1), date(2026, 1, 31), date(2026, 1, 25))
    upcoming = upcoming_period(Rules(MONTHLY), last, date(2026, 6, 10))
    assert (upcoming.start, upcoming.end) == (date(2026, 6, 1), date(2026, 6, 30))
    assert upcoming_period(Rules(MONTHLY), last, date(2026, 1, 20)).start == date(2026, 2, 1)


rules = st.builds(
    Rules,
    frequency=st.sampled_from([MONTHLY, TWICE_A_MONTH, WEEKLY]),
    start_day=st.integers(1, 28),
    end_day=st.integers(1, 31),
    due_day=st.integers(1, 31),
    week_start=st.integers(0, 6),
)
days = st.dates(date(2000, 1, 1), date(2090, 12, 31))


@given(rules, days)
def test_periods_follow_one_another_without_gap_or_overlap_due_inside(rules, day):
    periods = chain(rules, day, 30)
    assert periods[0].start <= day <= periods[0].end
    for period in periods:
        assert period.start <= period.due <= period.end
        assert period.end - period.start < timedelta(days=62)
    for before, after in pairwise(periods):
        assert after.start == before.end + timedelta(days=1)


@given(rules, days, st.integers(0, 400))
def test_the_upcoming_period_follows_the_last_and_has_not_ended(rules, day, later):
    last = first_period(rules, day)
    today = day + timedelta(days=later)
    upcoming = upcoming_period(rules, last, today)
    assert upcoming.start > last.end and upcoming.end >= today
    assert upcoming.start <= max(today, last.end + timedelta(days=1))
