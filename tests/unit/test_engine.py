"""The G702/G703 engine against figures computed by hand (docs/invoices.md)."""

from datetime import date
from decimal import Decimal as D

import pytest

from billing.engine import (
    InvoiceType,
    LineInput,
    RetainagePolicy,
    RetainageRule,
    Severity,
    bill_to_complete,
    carried_forward,
    compute,
    money,
    work_for_percent,
)

TEN_FIVE = RetainagePolicy(work_rate=D("10"), materials_rate=D("5"))


def line(key, scheduled, **entries):
    return LineInput(
        key=key, number=str(key), description=f"Line {key}", scheduled_value=D(scheduled), **entries
    )


def next_period(result, lines, entries_by_key=None):
    """The next invoice's lines: carried forward, with new entries (nothing by default)."""
    entries_by_key = entries_by_key or {}
    rows = {row.key: row for row in result.rows}
    return [
        LineInput(
            key=old.key,
            number=old.number,
            description=old.description,
            scheduled_value=old.scheduled_value,
            unit_price=old.unit_price,
            scheduled_quantity=old.scheduled_quantity,
            change_order=old.change_order,
            change_order_approved_on=old.change_order_approved_on,
            **(carried_forward(rows[old.key]) | entries_by_key.get(old.key, {})),
        )
        for old in lines
    ]


def codes(result):
    return {(issue.key, issue.code) for issue in result.issues}


class TestFirstInvoice:
    """Two lines, 10% on work, 5% on stored materials; nothing billed before."""

    @pytest.fixture
    def result(self):
        return compute(
            [
                line(1, "100000.00", work_this_period=D("25000.00"), materials_stored=D("4000.00")),
                line(2, "50000.00", work_this_period=D("12345.67")),
            ],
            retainage=TEN_FIVE,
        )

    def test_g703_columns(self, result):
        first, second = result.rows
        assert (first.scheduled_value, first.previous_work, first.work_this_period) == (
            D("100000.00"),
            D("0.00"),
            D("25000.00"),
        )
        assert first.materials_stored == D("4000.00")
        assert first.completed_to_date == D("29000.00")  # G = D + E + F
        assert first.percent_complete == D("29.00")
        assert first.balance_to_finish == D("71000.00")  # H = C − G
        assert first.retainage_work_to_date == D("2500.00")  # 10% of 25,000
        assert first.retainage_materials_to_date == D("200.00")  # 5% of 4,000
        assert first.retainage_to_date == D("2700.00")  # I
        # 10% of 12,345.67 = 1,234.567 → 1,234.57 (half-up)
        assert second.retainage_work_to_date == D("1234.57")
        assert second.percent_complete == D("24.69")  # 24.69134 %

    def test_g703_totals_are_sums_of_rounded_lines(self, result):
        totals = result.totals
        assert totals.scheduled_value == D("150000.00")
        assert totals.work_this_period == D("37345.67")
        assert totals.completed_to_date == D("41345.67")
        assert totals.balance_to_finish == D("108654.33")
        assert totals.retainage_to_date == D("3934.57")

    def test_g702_lines(self, result):
        g = result.g702
        assert g.original_contract_sum == D("150000.00")  # 1
        assert g.net_change_by_change_orders == D("0.00")  # 2
        assert g.contract_sum_to_date == D("150000.00")  # 3
        assert g.total_completed_and_stored == D("41345.67")  # 4
        assert g.retainage_work == D("3734.57")  # 5a
        assert g.retainage_work_percent == D("10.00")
        assert g.retainage_materials == D("200.00")  # 5b
        assert g.retainage_materials_percent == D("5.00")
        assert g.total_retainage == D("3934.57")  # 5
        assert g.total_earned_less_retainage == D("37411.10")  # 6 = 4 − 5
        assert g.previous_certificates == D("0.00")  # 7
        assert g.current_payment_due == D("37411.10")  # 8 = 6 − 7
        assert g.balance_to_finish_including_retainage == D("112588.90")  # 9 = 3 − 6

    def test_no_issues(self, result):
        assert result.issues == ()


def test_second_invoice_carries_the_first_to_date_figures():
    lines = [line(1, "80000.00", work_this_period=D("20000.00"))]
    first = compute(lines, retainage=TEN_FIVE)
    second = compute(
        next_period(first, lines, {1: {"work_this_period": D("30000.00")}}),
        retainage=TEN_FIVE,
    )
    row = second.rows[0]
    assert row.previous_work == D("20000.00")  # D = previous D + E
    assert row.completed_to_date == D("50000.00")
    assert row.retainage_work_to_date == D("5000.00")
    assert second.g702.previous_certificates == first.g702.total_earned_less_retainage
    assert second.g702.previous_certificates == D("18000.00")
    assert second.g702.current_payment_due == D("27000.00")  # 45,000 − 18,000


def test_twelve_periods_chain_to_the_cent():
    """1/12 of 100,000.00 each month: 8,333.33 × 11 and the last month bills to 100%."""
    lines = [line(1, "100000.00", work_this_period=D("8333.33"))]
    result = compute(lines, retainage=TEN_FIVE)
    payments = [result.g702.current_payment_due]
    for month in range(2, 13):
        entry = {"work_this_period": D("8333.33")} if month < 12 else {}
        lines = next_period(result, lines, {1: entry})
        if month == 12:
            lines = [bill_to_complete(lines[0])]
        previous_earned = result.g702.total_earned_less_retainage
        result = compute(lines, retainage=TEN_FIVE)
        assert result.g702.previous_certificates == previous_earned
        payments.append(result.g702.current_payment_due)
    row = result.rows[0]
    assert row.work_this_period == D("8333.37")  # 100,000 − 11 × 8,333.33
    assert row.completed_to_date == D("100000.00")
    assert row.percent_complete == D("100.00")
    # Retainage to date is 10% of the work to date rounded once, never a sum of roundings.
    assert row.retainage_work_to_date == D("10000.00")
    assert result.g702.total_retainage == D("10000.00")
    assert sum(payments) == result.g702.total_earned_less_retainage == D("90000.00")


class TestChangeOrders:
    """CO-1 approved in period 1 (+5,000 and −1,200), CO-2 approved in period 2 (+2,500)."""

    P1 = (date(2026, 1, 1), date(2026, 1, 31))
    P2 = (date(2026, 2, 1), date(2026, 2, 28))

    def co_line(self, key, amount, number, approved_on, **entries):
        return LineInput(
            key=key,
            number=key,
            description="CO work",
            scheduled_value=D(amount),
            change_order=number,
            change_order_approved_on=approved_on,
            **entries,
        )

    def test_first_period_summary(self):
        result = compute(
            [
                line(1, "100000.00", work_this_period=D("10000.00")),
                self.co_line("CO-1.1", "5000.00", "CO-1", date(2026, 1, 20)),
                self.co_line("CO-1.2", "-1200.00", "CO-1", date(2026, 1, 20)),
            ],
            period_start=self.P1[0],
            period_end=self.P1[1],
        )
        g, co = result.g702, result.change_orders
        assert g.original_contract_sum == D("100000.00")
        assert g.net_change_by_change_orders == D("3800.00")
        assert g.contract_sum_to_date == D("103800.00")
        assert (co.previous_additions, co.previous_deductions) == (D("0.00"), D("0.00"))
        assert (co.this_period_additions, co.this_period_deductions) == (D("5000.00"), D("1200.00"))
        assert co.net_change == g.net_change_by_change_orders

    def test_a_later_change_order_lands_in_its_own_period(self):
        lines = [
            line(1, "100000.00", work_this_period=D("10000.00")),
            self.co_line("CO-1.1", "5000.00", "CO-1", date(2026, 1, 20)),
            self.co_line("CO-1.2", "-1200.00", "CO-1", date(2026, 1, 20)),
        ]
        first = compute(lines, period_start=self.P1[0], period_end=self.P1[1])
        lines = [
            *next_period(first, lines),
            self.co_line(
                "CO-2.1", "2500.00", "CO-2", date(2026, 2, 10), work_this_period=D("500.00")
            ),
        ]
        result = compute(lines, period_start=self.P2[0], period_end=self.P2[1])
        co = result.change_orders
        assert (co.previous_additions, co.previous_deductions) == (D("5000.00"), D("1200.00"))
        assert (co.this_period_additions, co.this_period_deductions) == (D("2500.00"), D("0.00"))
        assert (co.total_additions, co.total_deductions) == (D("7500.00"), D("1200.00"))
        assert co.net_change == D("6300.00") == result.g702.net_change_by_change_orders
        assert result.g702.contract_sum_to_date == D("106300.00")
        assert result.g702.total_completed_and_stored == D("10500.00")


def test_stored_material_bought_then_installed():
    """Period 1: 10,000 of material delivered and stored. Period 2: 6,000 of it installed
    (with 2,000 of labour); 4,000 still on hand. Work retainage 10%, materials 5%."""
    lines = [line(1, "50000.00", materials_stored=D("10000.00"))]
    first = compute(lines, retainage=TEN_FIVE)
    row = first.rows[0]
    assert (row.work_this_period, row.materials_stored, row.completed_to_date) == (
        D("0.00"),
        D("10000.00"),
        D("10000.00"),
    )
    assert row.retainage_materials_this_period == D("500.00")

    second = compute(
        next_period(
            first,
            lines,
            {1: {"work_this_period": D("8000.00"), "materials_stored": D("4000.00")}},
        ),
        retainage=TEN_FIVE,
    )
    row = second.rows[0]
    assert row.previous_work == D("0.00")  # D excludes stored material
    assert row.work_this_period == D("8000.00")  # includes the 6,000 installed
    assert row.materials_stored == D("4000.00")
    assert row.completed_to_date == D("12000.00")  # only 2,000 more than last period
    assert row.retainage_materials_this_period == D("-300.00")  # 5% of −6,000 moves out
    assert row.retainage_materials_to_date == D("200.00")  # 5% of 4,000
    assert row.retainage_work_to_date == D("800.00")  # 10% of 8,000
    assert second.g702.previous_certificates == D("9500.00")
    assert second.g702.total_earned_less_retainage == D("11000.00")
    assert second.g702.current_payment_due == D("1500.00")


def test_retainage_by_amount_and_per_line_rates():
    result = compute(
        [
            line(1, "20000.00", work_this_period=D("10000.00"), retainage_work_rate=D("7.5")),
            line(2, "20000.00", work_this_period=D("10000.00"), retainage_work_amount=D("333.33")),
            line(3, "20000.00", materials_stored=D("999.99"), retainage_materials_rate=D("2.5")),
        ],
        retainage=TEN_FIVE,
    )
    assert [r.retainage_work_to_date for r in result.rows] == [D("750.00"), D("333.33"), D("0.00")]
    assert result.rows[2].retainage_materials_to_date == D("25.00")  # 24.99975 → 25.00
    assert result.g702.retainage_work == D("1083.33")
    assert result.g702.retainage_work_percent is None  # rates vary: no one rate to print
    assert result.g702.retainage_materials == D("25.00")


def test_retainage_released_raises_the_payment_due():
    lines = [line(1, "10000.00", work_this_period=D("10000.00"))]
    first = compute(lines, retainage=TEN_FIVE)
    assert first.g702.total_retainage == D("1000.00")
    second = compute(
        next_period(first, lines, {1: {"retainage_work_released": D("600.00")}}),
        invoice_type=InvoiceType.PROGRESS_RETAINAGE,
        retainage=TEN_FIVE,
    )
    row = second.rows[0]
    assert (row.retainage_work_released, row.retainage_work_to_date) == (D("600.00"), D("400.00"))
    assert second.g702.retainage_released == D("600.00")
    assert second.g702.current_payment_due == D("600.00")
    assert second.issues == ()


def test_a_retainage_release_invoice_bills_only_releases():
    lines = [line(1, "10000.00", work_this_period=D("10000.00"), materials_stored=D("0.00"))]
    first = compute(lines, retainage=TEN_FIVE)
    release = compute(
        next_period(first, lines, {1: {"retainage_work_released": D("1000.00")}}),
        invoice_type=InvoiceType.RETAINAGE_RELEASE,
        retainage=TEN_FIVE,
    )
    assert release.issues == ()
    assert release.g702.total_retainage == D("0.00")
    assert release.g702.current_payment_due == D("1000.00")
    assert release.totals.work_this_period == D("0.00")

    with_work = compute(
        next_period(first, lines, {1: {"work_this_period": D("1.00")}}),
        invoice_type=InvoiceType.RETAINAGE_RELEASE,
        retainage=TEN_FIVE,
    )
    assert (1, "release_only") in codes(with_work)


def test_releases_are_checked():
    lines = [line(1, "10000.00", work_this_period=D("5000.00"))]
    first = compute(lines, retainage=TEN_FIVE)  # 500.00 retained
    too_much = compute(
        next_period(first, lines, {1: {"retainage_work_released": D("500.01")}}),
        invoice_type=InvoiceType.PROGRESS_RETAINAGE,
        retainage=TEN_FIVE,
    )
    assert (1, "release_exceeds_retained") in codes(too_much)
    negative = compute(
        next_period(first, lines, {1: {"retainage_work_released": D("-1.00")}}),
        invoice_type=InvoiceType.PROGRESS_RETAINAGE,
        retainage=TEN_FIVE,
    )
    assert (1, "negative_release") in codes(negative)
    wrong_type = compute(
        next_period(first, lines, {1: {"retainage_work_released": D("100.00")}}),
        invoice_type=InvoiceType.PROGRESS,
        retainage=TEN_FIVE,
    )
    assert (1, "release_not_allowed") in codes(wrong_type)
    assert all(issue.severity is Severity.ERROR for issue in too_much.issues)


def test_sliding_scale_steps_down_at_half_complete():
    """10% until 50% complete, then 5%; what was retained before stays retained."""
    policy = RetainagePolicy(
        work_rate=D("10"),
        work_rules=(RetainageRule(D("0"), D("10")), RetainageRule(D("50"), D("5"))),
    )
    lines = [line(1, "100000.00", work_this_period=D("40000.00"))]
    first = compute(lines, retainage=policy)
    assert first.rows[0].retainage_work_rate == D("10")
    assert first.g702.total_retainage == D("4000.00")
    second = compute(
        next_period(first, lines, {1: {"work_this_period": D("20000.00")}}), retainage=policy
    )
    row = second.rows[0]
    assert row.percent_complete == D("60.00")
    assert row.retainage_work_rate == D("5")
    # 40% → 60% crosses 50%: 10,000 below it at 10%, 10,000 above it at 5%.
    assert row.retainage_work_this_period == D("1500.00")
    assert row.retainage_work_to_date == D("5500.00")
    assert second.g702.retainage_work_percent is None  # the rates vary


def test_at_most_five_sliding_scale_rules():
    rules = tuple(RetainageRule(D(p), D("5")) for p in range(6))
    with pytest.raises(ValueError, match="At most 5"):
        RetainagePolicy(work_rules=rules)


class TestUnitBased:
    """1,250 m² of tile at 38.3333/m² (C = 47,916.63); billed by quantity."""

    def tile(self, **entries):
        return LineInput(
            key="T",
            number="1",
            description="Floor tile",
            scheduled_value=money(D("1250") * D("38.3333")),
            unit_price=D("38.3333"),
            scheduled_quantity=D("1250"),
            **entries,
        )

    def test_money_derives_from_quantities(self):
        result = compute([self.tile(quantity_this_period=D("333.5"))], retainage=TEN_FIVE)
        row = result.rows[0]
        assert row.scheduled_value == D("47916.63")
        assert row.work_this_period == D("12784.16")  # 333.5 × 38.3333 = 12,784.15555
        assert row.quantity_to_date == D("333.5")
        assert row.retainage_work_to_date == D("1278.42")

    def test_completion_by_quantity_ties_to_the_scheduled_value(self):
        lines = [self.tile(quantity_this_period=D("333.5"))]
        result = compute(lines)
        for quantity in ["333.5", "333.5"]:
            lines = next_period(result, lines, {"T": {"quantity_this_period": D(quantity)}})
            result = compute(lines)
        lines = [bill_to_complete(next_period(result, lines)[0])]
        result = compute(lines)
        row = result.rows[0]
        assert row.quantity_to_date == D("1250")
        assert row.completed_to_date == row.scheduled_value == D("47916.63")
        assert row.balance_to_finish == D("0.00")

    def test_percent_entry_sets_the_quantity(self):
        row = compute([work_for_percent(self.tile(), D("40"))]).rows[0]
        assert row.quantity_this_period == D("500")
        assert row.work_this_period == D("19166.65")


def test_credits_are_allowed_and_reported():
    lines = [line(1, "10000.00", work_this_period=D("6000.00"))]
    first = compute(lines, retainage=TEN_FIVE)
    credit = compute(
        next_period(first, lines, {1: {"work_this_period": D("-1000.00")}}), retainage=TEN_FIVE
    )
    row = credit.rows[0]
    assert row.credit
    assert row.completed_to_date == D("5000.00")
    assert row.retainage_work_this_period == D("-100.00")
    assert credit.g702.current_payment_due == D("-900.00")
    assert [(i.code, i.severity) for i in credit.issues] == [("credit", Severity.NOTE)]


def test_overbilling_is_flagged_not_corrected():
    result = compute(
        [line(1, "1000.00", work_this_period=D("900.00"), materials_stored=D("100.01"))]
    )
    row = result.rows[0]
    assert row.overbilled
    assert row.balance_to_finish == D("-0.01")
    assert [(i.code, i.severity) for i in result.issues] == [("overbilled", Severity.WARNING)]
    assert "exceeds the scheduled value" in result.issues[0].message


def test_a_deduction_line_is_overbilled_below_its_value():
    result = compute([line(1, "-500.00", work_this_period=D("-600.00"))])
    assert result.rows[0].overbilled
    assert not result.rows[0].credit


def test_negative_stored_materials_and_bad_rates_are_errors():
    result = compute(
        [
            line(1, "1000.00", materials_stored=D("-1.00")),
            line(2, "1000.00", retainage_work_rate=D("100.01")),
        ]
    )
    assert codes(result) == {(1, "negative_materials"), (2, "rate_out_of_range")}


def test_percent_entry_and_bill_to_100_on_an_amount_line():
    base = line(1, "12345.67", previous_work=D("1000.00"), materials_stored=D("234.56"))
    at_third = compute([work_for_percent(base, D("33.333"))]).rows[0]
    assert at_third.completed_to_date == D("4115.18")  # 12,345.67 × 33.333% = 4,115.182
    assert at_third.work_this_period == D("2880.62")  # less 1,000.00 before and 234.56 stored
    full = compute([bill_to_complete(base)]).rows[0]
    assert (full.materials_stored, full.completed_to_date, full.percent_complete) == (
        D("0.00"),
        D("12345.67"),
        D("100.00"),
    )


def test_an_empty_contract():
    result = compute([])
    assert result.g702.contract_sum_to_date == D("0.00")
    assert result.totals.percent_complete is None


def test_stored_materials_carry_into_an_untouched_next_invoice():
    """F is the balance on hand: left alone, the next invoice still holds it, and nothing is
    due for it a second time nor taken back."""
    lines = [line(1, "50000.00", work_this_period=D("5000.00"), materials_stored=D("8000.00"))]
    first = compute(lines, retainage=TEN_FIVE)
    second = compute(next_period(first, lines), retainage=TEN_FIVE)
    row = second.rows[0]
    assert row.materials_stored == row.previous_materials == D("8000.00")
    assert row.work_this_period == D("0.00")
    assert row.completed_to_date == D("13000.00")
    assert row.retainage_materials_this_period == D("0.00")
    assert row.retainage_materials_to_date == D("400.00")
    assert second.g702.current_payment_due == D("0.00")
    assert second.issues == ()


def test_a_percent_on_a_unit_line_rounds_the_quantity_once_to_its_stored_precision():
    unit_line = LineInput(
        key=1,
        number="1",
        description="Pipe",
        scheduled_value=D("1234.50"),
        unit_price=D("1000"),
        scheduled_quantity=D("1.2345"),
    )
    entered = work_for_percent(unit_line, D("33.33"))
    assert entered.quantity_this_period == D("0.4115")  # 0.41145885 as stored: 4 places
    row = compute([entered]).rows[0]
    assert row.quantity_to_date == D("0.4115")
    assert row.completed_to_date == D("411.50")  # what the stored quantity gives again
    # Any other path is rounded the same way before money follows from it.
    typed = compute([unit_line._replace(quantity_this_period=D("0.41145885"))]).rows[0]
    assert (typed.quantity_this_period, typed.completed_to_date) == (D("0.4115"), D("411.50"))


def test_a_percent_on_a_unit_line_counts_its_stored_materials_as_the_box_shows_them():
    """The % box shows G ÷ C: typing 60% on a line holding 10% in stored materials installs
    the other 50% of its quantity, and G comes to 60% of C."""
    unit_line = LineInput(
        key=1,
        number="1",
        description="Conduit",
        scheduled_value=D("10000.00"),
        unit_price=D("8"),
        scheduled_quantity=D("1250"),
        materials_stored=D("1000.00"),
    )
    entered = work_for_percent(unit_line, D("60"))
    assert entered.quantity_this_period == D("625")
    row = compute([entered]).rows[0]
    assert (row.completed_to_date, row.percent_complete) == (D("6000.00"), D("60.00"))


def test_retainage_rounding_never_accumulates():
    """1,000.00 billed 333.33 + 333.33 + 333.34 at 10%: 100.00 held, not 99.99."""
    lines = [line(1, "1000.00", work_this_period=D("333.33"))]
    result = compute(lines, retainage=TEN_FIVE)
    held = [result.rows[0].retainage_work_this_period]
    for amount in ("333.33", "333.34"):
        lines = next_period(result, lines, {1: {"work_this_period": D(amount)}})
        result = compute(lines, retainage=TEN_FIVE)
        held.append(result.rows[0].retainage_work_this_period)
    assert held == [D("33.33"), D("33.34"), D("33.33")]
    assert result.rows[0].retainage_work_to_date == D("100.00")
    assert result.g702.retainage_work == D("100.00")
    assert result.g702.retainage_work_percent == D("10")


def test_the_g702_rate_is_printed_only_when_one_rate_holds_everywhere():
    lines = [
        line(1, "1000.00", work_this_period=D("999.99")),
        line(2, "500.00", work_this_period=D("100.00")),
    ]
    one_rate = compute(lines, retainage=TEN_FIVE)
    assert one_rate.g702.retainage_work == D("110.00")  # 100.00 + 10.00, beside 1,099.99
    assert one_rate.g702.retainage_work_percent == D("10")
    assert one_rate.g702.retainage_materials_percent == D("5")
    per_line = compute(
        [lines[0], lines[1]._replace(retainage_work_rate=D("5"))], retainage=TEN_FIVE
    )
    assert per_line.g702.retainage_work_percent is None
    released = compute(
        next_period(one_rate, lines, {1: {"retainage_work_released": D("50.00")}}),
        invoice_type=InvoiceType.PROGRESS_RETAINAGE,
        retainage=TEN_FIVE,
    )
    assert released.g702.retainage_work_percent is None  # no longer 10% of the work
    assert released.g702.retainage_materials_percent == D("5")


def test_a_sliding_scale_splits_at_the_threshold_itself_not_at_a_rounded_percent():
    """40% of 1,234,567.00 is 493,826.80: billed to 600,000.00 (48.6000…%), the first
    493,826.80 is retained at 5% and the other 106,173.20 at 2%, 26,814.80 in all (a split
    at 48.60% rounded put the threshold at 493,827.16: 26,814.82)."""
    policy = RetainagePolicy(work_rate=D("5"), work_rules=(RetainageRule(D("40"), D("2")),))
    row = compute([line(1, "1234567.00", work_this_period=D("600000.00"))], retainage=policy).rows[
        0
    ]
    assert row.retainage_work_this_period == money(
        D("493826.80") * D("0.05") + D("106173.20") * D("0.02")
    )
    assert row.retainage_work_this_period == D("26814.80")


def test_sliding_scale_splits_a_period_at_each_threshold_it_crosses():
    """10%, 5% from 30%, 2% from 60%: one period from 20% to 70% crosses both."""
    policy = RetainagePolicy(
        work_rate=D("10"),
        work_rules=(RetainageRule(D("30"), D("5")), RetainageRule(D("60"), D("2"))),
    )
    lines = [line(1, "100000.00", work_this_period=D("20000.00"))]
    first = compute(lines, retainage=policy)
    assert first.rows[0].retainage_work_to_date == D("2000.00")
    second = compute(
        next_period(first, lines, {1: {"work_this_period": D("50000.00")}}), retainage=policy
    )
    row = second.rows[0]
    # 10,000 at 10% + 30,000 at 5% + 10,000 at 2%; the first period's 2,000 stays.
    assert row.retainage_work_this_period == D("2700.00")
    assert row.retainage_work_to_date == D("4700.00")
    assert row.retainage_work_rate == D("2")
    untouched = compute(next_period(second, lines), retainage=policy)
    assert untouched.rows[0].retainage_work_to_date == D("4700.00")  # never re-rated


def test_a_credit_gives_back_at_most_what_was_billed():
    never_billed = compute(
        [line(1, "40000.00", work_this_period=D("-15000.00"))], retainage=TEN_FIVE
    )
    assert (1, "negative_to_date") in codes(never_billed)
    assert never_billed.errors
    billed = [line(1, "40000.00", previous_work=D("10000.00"))]
    too_much = compute([billed[0]._replace(work_this_period=D("-10000.01"))])
    assert (1, "negative_to_date") in codes(too_much)
    all_of_it = compute([billed[0]._replace(work_this_period=D("-10000.00"))])
    assert all_of_it.errors == []
    assert (1, "credit") in codes(all_of_it)


def test_completed_above_the_contract_sum_is_overbilling_too():
    """Billed to 100%, then a deduction change order: no line is past its value, the
    contract is."""
    result = compute(
        [
            line(1, "10000.00", previous_work=D("10000.00")),
            LineInput(
                key=2,
                number="CO-1.1",
                description="Deduct",
                scheduled_value=D("-1000.00"),
                change_order="CO-1",
            ),
        ]
    )
    assert not any(row.overbilled for row in result.rows)
    assert result.g702.balance_to_finish_including_retainage == D("-1000.00")
    assert [(i.key, i.code, i.severity) for i in result.issues] == [
        (None, "contract_overbilled", Severity.WARNING)
    ]
    assert result.warnings
