"""Tie-out invariants of the engine over random SOVs and 36 random periods (hypothesis)."""

from dataclasses import fields
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from billing.engine import (
    CENT,
    InvoiceType,
    LineInput,
    RetainagePolicy,
    RetainageRule,
    bill_to_complete,
    carried_forward,
    compute,
    money,
    work_for_percent,
)

PERIODS = 36
START = date(2026, 1, 1)


def cents(low, high):
    return st.integers(low * 100, high * 100).map(lambda n: Decimal(n) / 100)


rates = st.integers(0, 1500).map(lambda n: Decimal(n) / 100)


@st.composite
def sov_lines(draw):
    """An SOV: amount lines, unit lines and change-order lines approved in some period."""
    lines = []
    for index in range(draw(st.integers(1, 12))):
        key = f"L{index}"
        change_order = draw(st.none() | st.integers(0, PERIODS - 1))
        approved_on = None if change_order is None else START + timedelta(days=30 * change_order)
        if draw(st.booleans()):
            quantity = Decimal(draw(st.integers(1, 50000))) / 10
            price = Decimal(draw(st.integers(1, 5_000_000))) / 10000
            lines.append(
                LineInput(
                    key=key,
                    number=str(index),
                    description=key,
                    scheduled_value=money(quantity * price),
                    unit_price=price,
                    scheduled_quantity=quantity,
                    change_order=None if change_order is None else f"CO-{change_order}",
                    change_order_approved_on=approved_on,
                )
            )
        else:
            sign = -1 if change_order is not None and draw(st.booleans()) else 1
            lines.append(
                LineInput(
                    key=key,
                    number=str(index),
                    description=key,
                    scheduled_value=sign * draw(cents(0, 2_000_000)),
                    change_order=None if change_order is None else f"CO-{change_order}",
                    change_order_approved_on=approved_on,
                )
            )
    return lines


@st.composite
def policies(draw):
    rules = tuple(
        RetainageRule(Decimal(draw(st.integers(0, 100))), draw(rates))
        for _ in range(draw(st.integers(0, 5)))
    )
    return RetainagePolicy(work_rate=draw(rates), materials_rate=draw(rates), work_rules=rules)


@st.composite
def entry(draw, line):
    """What someone types on a line in one period: money, a percent, 100%, or nothing."""
    kind = draw(st.sampled_from(["none", "money", "percent", "complete", "release"]))
    if kind == "percent":
        line = work_for_percent(line, Decimal(draw(st.integers(0, 10000))) / 100)
    elif kind == "complete":
        line = bill_to_complete(line)
    elif kind == "money":
        if line.is_unit_based:
            line = line._replace(quantity_this_period=Decimal(draw(st.integers(-100, 2000))) / 10)
        else:
            line = line._replace(work_this_period=draw(cents(-5000, 300_000)))
    elif kind == "release":
        share = Decimal(draw(st.integers(0, 100))) / 100
        line = line._replace(
            retainage_work_released=money(max(line.previous_retainage_work, 0) * share),
            retainage_materials_released=money(max(line.previous_retainage_materials, 0) * share),
        )
    if draw(st.booleans()):
        line = line._replace(materials_stored=draw(cents(0, 50_000)))
    return line


def billable(line, period_end):
    return line.change_order_approved_on is None or line.change_order_approved_on <= period_end


def assert_no_float(value):
    items = (
        value._asdict()
        if hasattr(value, "_asdict")
        else {f.name: getattr(value, f.name) for f in fields(value)}
    )
    for name, item in items.items():
        assert not isinstance(item, float), name


def assert_cents(*amounts):
    for amount in amounts:
        assert isinstance(amount, Decimal)
        assert amount == amount.quantize(CENT), amount


@settings(max_examples=60, deadline=None)
@given(sov=sov_lines(), policy=policies(), data=st.data())
def test_every_period_ties_out_and_chains(sov, policy, data):
    carried = {}  # key -> "previous" figures for the next period
    previous = None
    for period in range(PERIODS):
        period_start = START + timedelta(days=30 * period)
        period_end = period_start + timedelta(days=29)
        invoice_type = data.draw(st.sampled_from(list(InvoiceType)))
        lines = []
        for line in sov:
            if not billable(line, period_end):
                continue
            line = line._replace(**carried.get(line.key, {}))
            lines.append(data.draw(entry(line)))
        result = compute(
            lines,
            invoice_type=invoice_type,
            retainage=policy,
            period_start=period_start,
            period_end=period_end,
        )
        rows, totals, g = result.rows, result.totals, result.g702

        for row in rows:
            assert_no_float(row)
            assert (
                row.completed_to_date
                == row.previous_work + row.work_this_period + row.materials_stored
            )
            assert row.balance_to_finish == row.scheduled_value - row.completed_to_date
            assert (
                row.retainage_to_date
                == row.retainage_work_to_date + row.retainage_materials_to_date
            )
            assert_cents(
                row.scheduled_value,
                row.previous_work,
                row.work_this_period,
                row.materials_stored,
                row.completed_to_date,
                row.balance_to_finish,
                row.retainage_to_date,
                row.retainage_work_this_period,
                row.retainage_materials_this_period,
            )
            if previous is not None and row.key in previous:
                before = previous[row.key]
                assert row.previous_work == before.previous_work + before.work_this_period
                assert row.previous_materials == before.materials_stored
                assert row.previous_retainage == before.retainage_to_date

        assert_no_float(g)
        assert_no_float(totals)
        assert g.contract_sum_to_date == sum(r.scheduled_value for r in rows)  # line 3 = ΣC
        assert g.contract_sum_to_date == g.original_contract_sum + g.net_change_by_change_orders
        assert g.total_completed_and_stored == sum(r.completed_to_date for r in rows)  # 4 = ΣG
        assert g.total_retainage == sum(r.retainage_to_date for r in rows)  # 5 = ΣI
        assert g.total_retainage == g.retainage_work + g.retainage_materials
        assert g.total_earned_less_retainage == g.total_completed_and_stored - g.total_retainage
        assert g.current_payment_due == g.total_earned_less_retainage - g.previous_certificates
        assert g.balance_to_finish_including_retainage == (
            g.contract_sum_to_date - g.total_earned_less_retainage
        )
        assert result.change_orders.net_change == g.net_change_by_change_orders
        if previous_g702 := (previous and previous["__g702__"]):
            assert g.previous_certificates == previous_g702.total_earned_less_retainage

        previous = {row.key: row for row in rows}
        previous["__g702__"] = g
        carried = {row.key: carried_forward(row) for row in rows}


# The business rules across invoices, over the same random SOVs and 36 periods.


def run_periods(sov, policy, data, entry_for, invoice_type=InvoiceType.PROGRESS):
    """Yield (lines, result) per period, each period's lines carried from the last and
    given what `entry_for(line)` draws (through `data`)."""
    carried = {}
    for period in range(PERIODS):
        period_start = START + timedelta(days=30 * period)
        period_end = period_start + timedelta(days=29)
        lines = [
            data.draw(entry_for(line._replace(**carried.get(line.key, {}))))
            for line in sov
            if billable(line, period_end)
        ]
        result = compute(
            lines,
            invoice_type=invoice_type,
            retainage=policy,
            period_start=period_start,
            period_end=period_end,
        )
        yield lines, result
        carried = {row.key: carried_forward(row) for row in result.rows}


@st.composite
def progress(draw, line):
    """Work (never past zero to date) and stored materials, or nothing at all."""
    if draw(st.integers(0, 3)) == 0:
        return line  # untouched
    if line.is_unit_based:
        low = -int(line.previous_quantity * 10)
        line = line._replace(quantity_this_period=Decimal(draw(st.integers(low, 2000))) / 10)
    else:
        work = draw(cents(0, 300_000))
        line = line._replace(work_this_period=work if line.scheduled_value >= 0 else -work)
    if draw(st.booleans()):
        line = line._replace(materials_stored=draw(cents(0, 50_000)))
    return line


@settings(max_examples=40, deadline=None)
@given(sov=sov_lines(), policy=policies(), data=st.data())
def test_an_untouched_invoice_carries_stored_materials_and_is_due_nothing(sov, policy, data):
    """After any period, a next invoice nobody touches still holds each line's stored
    materials, bills nothing, retains nothing more and is due nothing."""
    by_key = {line.key: line for line in sov}
    for _lines, result in run_periods(sov, policy, data, progress):
        untouched = compute(
            [by_key[row.key]._replace(**carried_forward(row)) for row in result.rows],
            retainage=policy,
        )
        for before, row in zip(result.rows, untouched.rows, strict=True):
            assert row.materials_stored == row.previous_materials == before.materials_stored
            assert row.work_this_period == 0
            assert row.retainage_work_this_period == row.retainage_materials_this_period == 0
            assert row.retainage_to_date == before.retainage_to_date
        assert untouched.g702.current_payment_due == 0


@settings(max_examples=40, deadline=None)
@given(sov=sov_lines(), rate=rates, materials_rate=rates, data=st.data())
def test_at_a_constant_rate_retainage_to_date_is_the_rate_of_the_amount_to_date(
    sov, rate, materials_rate, data
):
    policy = RetainagePolicy(work_rate=rate, materials_rate=materials_rate)
    for _lines, result in run_periods(sov, policy, data, progress):
        for row in result.rows:
            work_to_date = row.previous_work + row.work_this_period
            assert row.retainage_work_to_date == money(rate * work_to_date / 100)
            assert row.retainage_materials_to_date == money(
                materials_rate * row.materials_stored / 100
            )
        if result.rows:
            assert result.g702.retainage_work_percent == rate
            assert result.g702.retainage_materials_percent == materials_rate


@st.composite
def sliding_policies(draw):
    thresholds = draw(st.lists(st.integers(1, 99), min_size=1, max_size=5, unique=True))
    return RetainagePolicy(
        work_rate=draw(rates),
        work_rules=tuple(RetainageRule(Decimal(t), draw(rates)) for t in sorted(thresholds)),
    )


@settings(max_examples=40, deadline=None)
@given(sov=sov_lines(), policy=sliding_policies(), data=st.data())
def test_a_sliding_scale_never_re_rates_earlier_periods(sov, policy, data):
    """What earlier periods retained is carried as it was; a period's work is retained at
    the rates in force across it, so within their range (a cent per part either way)."""
    previous = {}
    all_rates = [policy.work_rate, *(rule.rate for rule in policy.work_rules)]
    low, high = min(all_rates), max(all_rates)
    slack = CENT * (len(all_rates) + 1)
    for _lines, result in run_periods(sov, policy, data, progress):
        for row in result.rows:
            if row.key in previous:
                before = previous[row.key]
                assert row.previous_retainage == before.retainage_to_date
                retained_before = before.retainage_work_to_date
                assert row.retainage_work_to_date - row.retainage_work_this_period == (
                    retained_before
                )
            work = row.work_this_period
            bounds = sorted((low * work / 100, high * work / 100))
            assert bounds[0] - slack <= row.retainage_work_this_period <= bounds[1] + slack
        previous = {row.key: row for row in result.rows}


@settings(max_examples=60, deadline=None)
@given(sov=sov_lines(), policy=policies(), data=st.data())
def test_work_to_date_below_zero_is_always_refused(sov, policy, data):
    for _lines, result in run_periods(sov, policy, data, entry):
        refused = {issue.key for issue in result.errors}
        for row in result.rows:
            work_to_date = row.previous_work + row.work_this_period
            below = work_to_date < 0 if row.scheduled_value >= 0 else work_to_date > 0
            if below or row.materials_stored < 0:
                assert row.key in refused
        if refused:
            return  # a refused invoice is not carried on


@settings(max_examples=60, deadline=None)
@given(
    scheduled=cents(1000, 1_000_000),
    policy=sliding_policies(),
    shares=st.lists(st.integers(0, 40), min_size=1, max_size=PERIODS),
)
def test_under_a_sliding_scale_each_band_of_work_is_retained_at_its_rate(scheduled, policy, shares):
    """One line making progress: whatever periods it is billed in, the work within each band
    of percent complete is retained at that band's rate (to a cent per period and band, and
    the 0.01% to which percent complete is rounded)."""
    lines = [LineInput(key=1, number="1", description="Work", scheduled_value=scheduled)]
    bands = [(Decimal(0), policy.work_rate)]
    bands += [(rule.from_percent, rule.rate) for rule in policy.work_rules]
    for period, share in enumerate(shares, start=1):
        room = scheduled - lines[0].previous_work
        work = min(room, money(scheduled * share / 100))
        result = compute([lines[0]._replace(work_this_period=work)], retainage=policy)
        row = result.rows[0]
        to_date = row.completed_to_date
        expected = Decimal(0)
        for index, (start, rate) in enumerate(bands):
            end = bands[index + 1][0] if index + 1 < len(bands) else Decimal(100)
            low, high = scheduled * start / 100, scheduled * end / 100
            expected += rate * max(Decimal(0), min(to_date, high) - low) / 100
        tolerance = CENT * len(bands) * period + scheduled / 10000
        assert abs(row.retainage_work_to_date - expected) <= tolerance
        lines = [lines[0]._replace(**carried_forward(row))]
