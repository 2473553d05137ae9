"""The G702/G703 engine: one contract's lines for one period in, the pay application out.

Pure: no ORM, no Django. Every amount is a Decimal; each line's derived amounts are rounded
half-up to the cent and every total is the sum of the rounded line amounts, so the G702
ties out to the G703 exactly, and an invoice's "previous" figures are the previous
invoice's "to date" figures, carried unchanged.

Columns (docs/invoices.md): A number, B description, C scheduled value, D work completed from
previous application, E work completed this period, F materials presently stored,
G = D + E + F, % = G / C, H = C − G, I = retainage to date.

Retainage is kept per line for work and for stored materials. Retained this period is
round(rate × amount to date) − round(rate × amount before this period) (work for work; the
stored balance for materials, so material installed this period moves its retainage from
materials to work), unless an amount is given instead; to date = previous + this period −
released. Rounding so, retainage never drifts: at a constant rate a line's retainage to date
is its rate × its to-date amount, rounded once. Under a sliding scale the period's work is
split at each threshold the contract crosses, each part at its own rate.
"""

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from itertools import pairwise
from typing import NamedTuple

from contracts.money import CENT, MAX_RETAINAGE_RULES, ZERO, money

# The stored precision of quantities: a quantity is rounded to it once, before any money is
# computed from it, so the figures shown are those a stored line gives again.
QUANTITY_STEP = Decimal("0.0001")
ONE = Decimal(1)
HUNDRED = Decimal(100)


def quantity(value):
    """Round half-up to the stored precision of quantities."""
    return value.quantize(QUANTITY_STEP, rounding=ROUND_HALF_UP)


def percent_of(part, whole):
    """part / whole as a percentage to two decimals; None when there is no whole."""
    if not whole:
        return None
    return (part * HUNDRED / whole).quantize(CENT, rounding=ROUND_HALF_UP)


class InvoiceType(StrEnum):
    PROGRESS = "progress"  # work and materials
    PROGRESS_RETAINAGE = "progress_retainage"  # work, materials and retainage release
    RETAINAGE_RELEASE = "retainage_release"  # releases only


class Severity(StrEnum):
    ERROR = "error"  # the invoice cannot be saved or submitted like this
    WARNING = "warning"  # allowed, or refused, by the project's overbilling rule
    NOTE = "note"  # shown, never blocks (credits)


@dataclass(frozen=True, slots=True)
class RetainageRule:
    """From `from_percent` complete (of the whole contract, inclusive), retain `rate` %."""

    from_percent: Decimal
    rate: Decimal


@dataclass(frozen=True, slots=True)
class RetainagePolicy:
    """The contract's retainage: default rates, and an optional sliding scale for work."""

    work_rate: Decimal = ZERO
    materials_rate: Decimal = ZERO
    work_rules: tuple[RetainageRule, ...] = ()

    def __post_init__(self):
        if len(self.work_rules) > MAX_RETAINAGE_RULES:
            raise ValueError(f"At most {MAX_RETAINAGE_RULES} sliding-scale rules.")

    def work_rate_at(self, percent_complete):
        """The work rate for a contract this far complete: the last rule reached applies."""
        rate = self.work_rate
        for rule in sorted(self.work_rules, key=lambda r: r.from_percent):
            if percent_complete >= rule.from_percent:
                rate = rule.rate
        return rate

    def work_segments(self, percent_before, percent_after):
        """The contract's move from `percent_before` to `percent_after` complete, split at
        each threshold it crosses: (share of the move done at the end of the part, rate of
        the part) per part, the last share 1. A part's rate is the one in force across it,
        so earlier progress is never re-rated."""
        if percent_before == percent_after:
            return ((ONE, self.work_rate_at(percent_after)),)
        low, high = sorted((percent_before, percent_after))
        cuts = sorted({r.from_percent for r in self.work_rules if low < r.from_percent < high})
        if percent_after < percent_before:
            cuts.reverse()
        span = percent_after - percent_before
        points = [percent_before, *cuts, percent_after]
        return tuple(
            (
                ONE if end == percent_after else (end - percent_before) / span,
                self.work_rate_at(min(start, end)),
            )
            for start, end in pairwise(points)
        )


class LineInput(NamedTuple):
    """One SOV, change-order or SSOV detail line: what was billed before, what is entered now.

    Amount-based lines enter `work_this_period`; unit-based lines (with `unit_price`) enter
    `quantity_this_period` and their money columns derive from quantities.
    """

    key: Hashable
    number: str
    description: str
    scheduled_value: Decimal
    previous_work: Decimal = ZERO  # D: previous invoice's D + E
    previous_materials: Decimal = ZERO  # previous invoice's F
    previous_retainage_work: Decimal = ZERO
    previous_retainage_materials: Decimal = ZERO
    work_this_period: Decimal = ZERO  # E, amount-based lines
    materials_stored: Decimal = ZERO  # F: the balance on hand at the end of the period
    retainage_work_rate: Decimal | None = None  # None: the contract's rate
    retainage_work_amount: Decimal | None = None  # given instead of a rate
    retainage_work_released: Decimal = ZERO
    retainage_materials_rate: Decimal | None = None
    retainage_materials_amount: Decimal | None = None
    retainage_materials_released: Decimal = ZERO
    unit_price: Decimal | None = None  # set: a unit-based line
    scheduled_quantity: Decimal | None = None
    previous_quantity: Decimal = Decimal(0)
    quantity_this_period: Decimal = Decimal(0)
    change_order: str | None = None  # the change order a line comes from, if any
    change_order_approved_on: date | None = None

    @property
    def is_unit_based(self):
        return self.unit_price is not None


class G703Row(NamedTuple):
    key: Hashable
    number: str  # A
    description: str  # B
    scheduled_value: Decimal  # C
    previous_work: Decimal  # D
    work_this_period: Decimal  # E
    materials_stored: Decimal  # F
    completed_to_date: Decimal  # G
    percent_complete: Decimal | None  # G / C
    previous_materials: Decimal  # the previous invoice's F
    previous_retainage: Decimal  # the previous invoice's I
    balance_to_finish: Decimal  # H
    retainage_to_date: Decimal  # I
    retainage_work_rate: Decimal
    retainage_work_this_period: Decimal
    retainage_work_released: Decimal
    retainage_work_to_date: Decimal
    retainage_materials_rate: Decimal
    retainage_materials_this_period: Decimal
    retainage_materials_released: Decimal
    retainage_materials_to_date: Decimal
    scheduled_quantity: Decimal | None
    previous_quantity: Decimal | None
    quantity_this_period: Decimal | None
    quantity_to_date: Decimal | None
    change_order: str | None
    overbilled: bool
    credit: bool


@dataclass(frozen=True, slots=True)
class G703Totals:
    scheduled_value: Decimal
    previous_work: Decimal
    work_this_period: Decimal
    materials_stored: Decimal
    completed_to_date: Decimal
    percent_complete: Decimal | None
    balance_to_finish: Decimal
    retainage_to_date: Decimal
    retainage_work_this_period: Decimal
    retainage_work_released: Decimal
    retainage_materials_this_period: Decimal
    retainage_materials_released: Decimal


@dataclass(frozen=True, slots=True)
class G702:
    original_contract_sum: Decimal  # 1
    net_change_by_change_orders: Decimal  # 2
    contract_sum_to_date: Decimal  # 3
    total_completed_and_stored: Decimal  # 4
    retainage_work: Decimal  # 5a
    retainage_work_percent: Decimal | None  # the one rate of every line, None: rates vary
    retainage_materials: Decimal  # 5b
    retainage_materials_percent: Decimal | None
    total_retainage: Decimal  # 5
    total_earned_less_retainage: Decimal  # 6
    previous_certificates: Decimal  # 7
    current_payment_due: Decimal  # 8
    balance_to_finish_including_retainage: Decimal  # 9
    retainage_released: Decimal  # raises line 8; an invoice that releases shows a banner


@dataclass(frozen=True, slots=True)
class ChangeOrderSummary:
    previous_additions: Decimal  # approved in previous months
    previous_deductions: Decimal
    this_period_additions: Decimal  # approved this month
    this_period_deductions: Decimal
    total_additions: Decimal
    total_deductions: Decimal
    net_change: Decimal  # = G702 line 2


@dataclass(frozen=True, slots=True)
class Issue:
    key: Hashable  # the line, or None for the invoice
    field: str
    code: str
    severity: Severity
    message: str


@dataclass(frozen=True, slots=True)
class PayApplication:
    rows: tuple[G703Row, ...]
    totals: G703Totals
    g702: G702
    change_orders: ChangeOrderSummary
    issues: tuple[Issue, ...] = field(default=())

    @property
    def errors(self):
        return [i for i in self.issues if i.severity is Severity.ERROR]

    @property
    def warnings(self):
        return [i for i in self.issues if i.severity is Severity.WARNING]


def compute(
    lines: Sequence[LineInput],
    *,
    invoice_type: InvoiceType = InvoiceType.PROGRESS,
    retainage: RetainagePolicy = RetainagePolicy(),
    period_start: date | None = None,
    period_end: date | None = None,
) -> PayApplication:
    """The pay application for one period. Invalid entries are reported, never corrected."""
    work_rate = retainage.work_rate
    work_segments = ()
    if retainage.work_rules:
        segments = period_work_segments(retainage, *_completed_sums(lines))
        work_rate = segments[-1][1]  # the rate of the period's last part
        if len(segments) > 1:
            work_segments = tuple((share, rate / HUNDRED) for share, rate in segments)
    materials_rate = retainage.materials_rate
    issues = []
    rows = tuple(
        _row(
            line,
            work_rate,
            materials_rate,
            work_rate / HUNDRED,
            materials_rate / HUNDRED,
            work_segments,
            invoice_type,
            issues,
        )
        for line in lines
    )
    totals, g702 = summaries(rows)
    # Overbilled lines explain an overbilled contract; the finding is for when none does.
    overbilling = contract_overbilling(g702.contract_sum_to_date, g702.total_completed_and_stored)
    if overbilling and not any(row.overbilled for row in rows):
        issues.append(overbilling)
    return PayApplication(
        rows=rows,
        totals=totals,
        g702=g702,
        change_orders=change_order_summary(lines, period_start, period_end),
        issues=tuple(issues),
    )


def contract_overbilling(contract_sum, completed):
    """The invoice-level finding when completed and stored to date passes the contract sum
    to date (after a deduction change order, say), even with no line past its own value."""
    if completed <= max(contract_sum, ZERO):
        return None
    return Issue(
        None,
        "work_this_period",
        "contract_overbilled",
        Severity.WARNING,
        f"Completed and stored to date ({completed:,.2f}) exceeds the contract sum to date "
        f"({contract_sum:,.2f}).",
    )


def _work_to_date(line):
    """D + E, with E derived from quantities on a unit-based line."""
    if line.unit_price is not None:
        return money(quantity(line.previous_quantity + line.quantity_this_period) * line.unit_price)
    return line.previous_work + line.work_this_period


def _completed_sums(lines):
    """The whole contract's ΣC, and its ΣG before this period and at its end."""
    scheduled = sum((line.scheduled_value for line in lines), ZERO)
    before = sum((line.previous_work + line.previous_materials for line in lines), ZERO)
    after = sum((_work_to_date(line) + line.materials_stored for line in lines), ZERO)
    return scheduled, before, after


def period_work_segments(policy, scheduled, completed_before, completed_after):
    """The sliding scale's parts of a period (RetainagePolicy.work_segments) that moves the
    contract's completed and stored (ΣG) from `completed_before` to `completed_after`, of
    the contract sum to date `scheduled`. The percents complete are both over this period's
    contract sum, and not rounded: a threshold splits the contract's actual move (a percent
    rounded to cents of a percent would move the split point by up to 0.005% of the
    contract sum). One part: every line's rate is that part's, whatever moves within it."""
    if not scheduled:
        return policy.work_segments(ZERO, ZERO)
    return policy.work_segments(
        completed_before * HUNDRED / scheduled, completed_after * HUNDRED / scheduled
    )


def _split_retainage(previous_work, work_to_date, segments):
    """Work retainage this period under a sliding scale: the period's work split in the
    contract's proportions at each threshold, each part retained at its rate."""
    retained = ZERO
    start = previous_work
    for share, factor in segments:
        end = (
            work_to_date
            if share == ONE
            else previous_work + money((work_to_date - previous_work) * share)
        )
        retained += money(factor * end) - money(factor * start)
        start = end
    return retained


def _row(
    line,
    contract_work_rate,
    contract_materials_rate,
    work_factor,
    materials_factor,
    work_segments,
    invoice_type,
    issues,
):
    # Hot path: a 1,000-line invoice runs this 1,000 times per edit, so the arithmetic is
    # inlined; each .quantize(CENT, ROUND_HALF_UP) is money(), written out.
    scheduled = line.scheduled_value
    previous_work = line.previous_work
    stored = line.materials_stored
    unit_based = line.unit_price is not None
    if unit_based:
        quantity_this_period = line.quantity_this_period
        if quantity_this_period:
            quantity_this_period = quantity_this_period.quantize(QUANTITY_STEP, ROUND_HALF_UP)
        quantity_to_date = line.previous_quantity + quantity_this_period
        work_to_date = (quantity_to_date * line.unit_price).quantize(CENT, ROUND_HALF_UP)
    else:
        work_to_date = previous_work + line.work_this_period
    work_this_period = work_to_date - previous_work
    completed = work_to_date + stored

    # A rate as a factor (10% → 0.1) is exact in Decimal; the contract's is divided once.
    work_rate = line.retainage_work_rate
    if work_rate is None:
        work_rate = contract_work_rate
    else:
        work_factor = work_rate / HUNDRED
        work_segments = ()
    materials_rate = line.retainage_materials_rate
    if materials_rate is None:
        materials_rate = contract_materials_rate
    else:
        materials_factor = materials_rate / HUNDRED
    # This period's retainage is what the rate holds on the amount to date less what it
    # held on the amount before, each rounded once: the roundings never add up.
    work_retained = line.retainage_work_amount
    if work_retained is None:
        if work_segments:
            work_retained = _split_retainage(previous_work, work_to_date, work_segments)
        elif work_this_period:
            work_retained = (work_to_date * work_factor).quantize(CENT, ROUND_HALF_UP) - (
                previous_work * work_factor
            ).quantize(CENT, ROUND_HALF_UP)
        else:
            work_retained = ZERO
    previous_stored = line.previous_materials
    materials_change = stored - previous_stored
    materials_retained = line.retainage_materials_amount
    if materials_retained is None:
        materials_retained = (
            (stored * materials_factor).quantize(CENT, ROUND_HALF_UP)
            - (previous_stored * materials_factor).quantize(CENT, ROUND_HALF_UP)
            if materials_change
            else ZERO
        )
    work_released = line.retainage_work_released
    materials_released = line.retainage_materials_released
    work_retained_to_date = line.previous_retainage_work + work_retained - work_released
    materials_retained_to_date = (
        line.previous_retainage_materials + materials_retained - materials_released
    )
    # A credit gives back at most what was billed: work to date never passes zero (on a
    # deduction line, whose amounts are negative, it never rises above it).
    if scheduled >= ZERO:
        overbilled, credit = completed > scheduled, work_this_period < ZERO
        past_zero = work_to_date < ZERO
    else:
        overbilled, credit = completed < scheduled, work_this_period > ZERO
        past_zero = work_to_date > ZERO

    # The common case, a valid line, costs these few tests; messages only on a finding.
    if (
        overbilled
        or credit
        or past_zero
        or work_released
        or materials_released
        or stored < ZERO
        or line.retainage_work_rate is not None
        or line.retainage_materials_rate is not None
        or invoice_type is InvoiceType.RETAINAGE_RELEASE
        or (unit_based and quantity_to_date < ZERO)
    ):
        _check(
            line,
            work_this_period,
            materials_change,
            completed,
            work_retained,
            materials_retained,
            overbilled,
            credit,
            past_zero and not unit_based,
            invoice_type,
            issues,
        )

    if unit_based:
        quantities = (
            line.scheduled_quantity,
            line.previous_quantity,
            quantity_this_period,
            quantity_to_date,
        )
    else:
        quantities = (None, None, None, None)
    return G703Row(
        line.key,
        line.number,
        line.description,
        scheduled,
        previous_work,
        work_this_period,
        stored,
        completed,
        (completed * HUNDRED / scheduled).quantize(CENT, ROUND_HALF_UP) if scheduled else None,
        line.previous_materials,
        line.previous_retainage_work + line.previous_retainage_materials,
        scheduled - completed,
        work_retained_to_date + materials_retained_to_date,
        work_rate,
        work_retained,
        work_released,
        work_retained_to_date,
        materials_rate,
        materials_retained,
        materials_released,
        materials_retained_to_date,
        *quantities,
        line.change_order,
        overbilled,
        credit,
    )


def _check(
    line,
    work_this_period,
    materials_change,
    completed,
    work_retained,
    materials_retained,
    overbilled,
    credit,
    past_zero,
    invoice_type,
    issues,
):
    """Report what is wrong, or worth a note, on one line."""

    def report(field_name, code, severity, message):
        issues.append(Issue(line.key, field_name, code, severity, f"Line {line.number}: {message}"))

    if overbilled:
        report(
            "work_this_period",
            "overbilled",
            Severity.WARNING,
            f"completed and stored to date ({completed:,.2f}) exceeds the scheduled value "
            f"({line.scheduled_value:,.2f}).",
        )
    if credit:
        report(
            "work_this_period",
            "credit",
            Severity.NOTE,
            f"{work_this_period:,.2f} this period is a credit correcting an earlier period.",
        )
    if past_zero:
        report(
            "work_this_period",
            "negative_to_date",
            Severity.ERROR,
            f"work completed to date cannot go past zero; a credit gives back at most the "
            f"{line.previous_work:,.2f} billed before.",
        )
    if line.materials_stored < 0:
        report(
            "materials_stored",
            "negative_materials",
            Severity.ERROR,
            "materials presently stored cannot be negative.",
        )
    if invoice_type is InvoiceType.RETAINAGE_RELEASE and (work_this_period or materials_change):
        report(
            "work_this_period",
            "release_only",
            Severity.ERROR,
            "a retainage release invoice bills no work or materials.",
        )
    if line.unit_price is not None and line.previous_quantity + line.quantity_this_period < 0:
        report(
            "quantity_this_period",
            "negative_to_date",
            Severity.ERROR,
            "the quantity completed to date cannot be negative.",
        )
    for field_name, rate in (
        ("retainage_work_rate", line.retainage_work_rate),
        ("retainage_materials_rate", line.retainage_materials_rate),
    ):
        if rate is not None and not ZERO <= rate <= HUNDRED:
            report(
                field_name,
                "rate_out_of_range",
                Severity.ERROR,
                "a retainage rate is between 0% and 100%.",
            )
    if invoice_type is InvoiceType.PROGRESS and (
        line.retainage_work_released or line.retainage_materials_released
    ):
        report(
            "retainage_work_released",
            "release_not_allowed",
            Severity.ERROR,
            "this invoice bills work and materials only; release retainage on a 'work, "
            "materials and retainage' or a release invoice.",
        )
    for kind, released, available in (
        ("work", line.retainage_work_released, line.previous_retainage_work + work_retained),
        (
            "materials",
            line.retainage_materials_released,
            line.previous_retainage_materials + materials_retained,
        ),
    ):
        if released < 0:
            report(
                f"retainage_{kind}_released",
                "negative_release",
                Severity.ERROR,
                "a release of retainage cannot be negative.",
            )
        elif released > max(available, ZERO):
            report(
                f"retainage_{kind}_released",
                "release_exceeds_retained",
                Severity.ERROR,
                f"{released:,.2f} of {kind} retainage cannot be released; "
                f"{max(available, ZERO):,.2f} is retained.",
            )


# The sums that change by exactly a row's own amount when the row changes: every G702
# line and G703 total is a sum over rows, or a sum and difference of such sums.
ADDITIVE_G702 = (
    "original_contract_sum",
    "net_change_by_change_orders",
    "contract_sum_to_date",
    "total_completed_and_stored",
    "retainage_work",
    "retainage_materials",
    "total_retainage",
    "total_earned_less_retainage",
    "previous_certificates",
    "current_payment_due",
    "balance_to_finish_including_retainage",
    "retainage_released",
)
ADDITIVE_TOTALS = ("previous_work", "work_this_period", "materials_stored")


def row_change(old_row, new_row):
    """How much each G702 line and G703 total moves when `old_row` becomes `new_row`.

    Exact: the sums are of two-place Decimals, so adding this change to stored sums gives
    what summing every row again would. Only valid while no other row moves, that is with
    no sliding-scale retainage (whose rate depends on the whole contract).
    """
    old_totals, old_g702 = summaries((old_row,))
    new_totals, new_g702 = summaries((new_row,))
    change = {name: getattr(new_g702, name) - getattr(old_g702, name) for name in ADDITIVE_G702}
    for name in ADDITIVE_TOTALS:
        change[name] = getattr(new_totals, name) - getattr(old_totals, name)
    return change


def summaries(rows):
    """The G703 totals and the G702, from one pass over the rows: computed ones, or the
    rows an invoice stored (a restored database is checked against them, docs/backups.md)."""
    scheduled = original = previous = this_period = stored = completed = ZERO
    work_retained = materials_retained = previous_stored = previous_retained = ZERO
    work_this = work_released = materials_this = materials_released = ZERO
    # Unpacking the row tuple is several times cheaper than reading its attributes.
    for (
        _key,
        _number,
        _description,
        value,
        previous_value,
        this_value,
        stored_value,
        completed_value,
        _percent,
        previous_materials,
        previous_retainage,
        _balance,
        _retained,
        _work_rate,
        work_this_value,
        work_released_value,
        work_to_date,
        _materials_rate,
        materials_this_value,
        materials_released_value,
        materials_to_date,
        *_quantities,
        change_order,
        _overbilled,
        _credit,
    ) in rows:
        scheduled += value
        if change_order is None:
            original += value
        previous += previous_value
        this_period += this_value
        stored += stored_value
        completed += completed_value
        work_retained += work_to_date
        materials_retained += materials_to_date
        work_this += work_this_value
        work_released += work_released_value
        materials_this += materials_this_value
        materials_released += materials_released_value
        previous_stored += previous_materials
        previous_retained += previous_retainage
    # Sums of exact two-place Decimals: ΣH = ΣC − ΣG and ΣI = Σ5a + Σ5b hold exactly.
    balance = scheduled - completed
    retained = work_retained + materials_retained
    # Line 7 is the previous invoice's line 6: what it certified as completed and stored
    # (its D + E + F, here D + previous F) less what it retained (its I).
    previous_certified = previous + previous_stored - previous_retained
    totals = G703Totals(
        scheduled_value=scheduled,
        previous_work=previous,
        work_this_period=this_period,
        materials_stored=stored,
        completed_to_date=completed,
        percent_complete=percent_of(completed, scheduled),
        balance_to_finish=balance,
        retainage_to_date=retained,
        retainage_work_this_period=work_this,
        retainage_work_released=work_released,
        retainage_materials_this_period=materials_this,
        retainage_materials_released=materials_released,
    )
    earned = completed - retained
    g702 = G702(
        original_contract_sum=original,
        net_change_by_change_orders=scheduled - original,
        contract_sum_to_date=scheduled,
        total_completed_and_stored=completed,
        retainage_work=work_retained,
        retainage_work_percent=single_rate(
            (
                row.retainage_work_rate,
                row.previous_work + row.work_this_period,
                row.retainage_work_to_date,
            )
            for row in rows
        ),
        retainage_materials=materials_retained,
        retainage_materials_percent=single_rate(
            (row.retainage_materials_rate, row.materials_stored, row.retainage_materials_to_date)
            for row in rows
        ),
        total_retainage=retained,
        total_earned_less_retainage=earned,
        previous_certificates=previous_certified,
        current_payment_due=earned - previous_certified,
        balance_to_finish_including_retainage=scheduled - earned,
        retainage_released=work_released + materials_released,
    )
    return totals, g702


def holds_rate(rate, amount, retained):
    """Whether `retained` is exactly `rate` % of `amount`, rounded once."""
    return retained == (amount * rate / HUNDRED).quantize(CENT, ROUND_HALF_UP)


def single_rate(lines):
    """The rate that every line retains at and holds exactly (retained to date = money(rate ×
    amount to date)): what the G702 may print beside 5a or 5b. None when the rates vary by
    line or by period, or a release or a retained amount given breaks the proportion.

    `lines` are (rate applied, amount to date, retained to date) triples.
    """
    found = None
    for rate, amount, retained in lines:
        if found is None:
            found = rate
        elif rate != found:
            return None
        if not holds_rate(rate, amount, retained):
            return None
    return found


def change_order_summary(lines, period_start, period_end):
    """Additions and deductions of approved change orders, by when they were approved.

    Deductions are shown as positive amounts, as on the AIA form; net = additions − deductions.
    """
    previous_add = previous_deduct = this_add = this_deduct = ZERO
    for line in lines:
        if line.change_order is None:
            continue
        this_period = (
            period_start is None
            or line.change_order_approved_on is None
            or line.change_order_approved_on >= period_start
        )
        amount = line.scheduled_value
        if this_period:
            this_add += max(amount, ZERO)
            this_deduct += max(-amount, ZERO)
        else:
            previous_add += max(amount, ZERO)
            previous_deduct += max(-amount, ZERO)
    total_add = previous_add + this_add
    total_deduct = previous_deduct + this_deduct
    return ChangeOrderSummary(
        previous_additions=previous_add,
        previous_deductions=previous_deduct,
        this_period_additions=this_add,
        this_period_deductions=this_deduct,
        total_additions=total_add,
        total_deductions=total_deduct,
        net_change=total_add - total_deduct,
    )


# Entry helpers: what a person types (a percent, "bill to 100%") becomes line input.


def work_for_percent(line: LineInput, percent: Decimal) -> LineInput:
    """Enter work so that the line is `percent` complete (G = C × percent, to the cent).

    Stored materials stay as entered; the work this period makes up the rest. A unit-based
    line gets that share of its scheduled quantity, less the share its stored materials
    already make of C (the percent is G ÷ C, as the box shows it), rounded to the stored
    precision before any money follows from it.
    """
    if line.is_unit_based:
        if line.scheduled_value:
            percent -= line.materials_stored * HUNDRED / line.scheduled_value
        target_quantity = quantity((line.scheduled_quantity or ZERO) * percent / HUNDRED)
        return line._replace(quantity_this_period=target_quantity - line.previous_quantity)
    target = money(line.scheduled_value * percent / HUNDRED)
    return line._replace(work_this_period=target - line.previous_work - line.materials_stored)


def bill_to_complete(line: LineInput) -> LineInput:
    """Bill the line to 100%: everything installed, so stored materials move into work."""
    if line.is_unit_based:
        return line._replace(
            quantity_this_period=(line.scheduled_quantity or 0) - line.previous_quantity,
            materials_stored=ZERO,
        )
    return line._replace(
        work_this_period=line.scheduled_value - line.previous_work,
        materials_stored=ZERO,
    )


def carried_forward(row: G703Row) -> dict:
    """The next invoice's "previous" figures for this line: this invoice's "to date" ones.

    Stored materials are a balance on hand, so the next invoice's F starts at this one's:
    left untouched, the material is still stored and nothing moves.
    """
    carried = {
        "previous_work": row.previous_work + row.work_this_period,
        "previous_materials": row.materials_stored,
        "materials_stored": row.materials_stored,
        "previous_retainage_work": row.retainage_work_to_date,
        "previous_retainage_materials": row.retainage_materials_to_date,
    }
    if row.quantity_to_date is not None:
        carried["previous_quantity"] = row.quantity_to_date
    return carried
