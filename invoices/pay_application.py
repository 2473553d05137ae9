"""Between invoice rows and the engine: lines in as LineInput, computed figures back out.

Views never compute money; services call `compute_invoice` and store what it returns.
"""

from functools import cache
from operator import attrgetter

from django.db.models import DecimalField, F, OuterRef, Subquery, Sum
from django.utils.text import capfirst

from billing.engine import (
    ADDITIVE_G702,
    ADDITIVE_TOTALS,
    G703Row,
    InvoiceType,
    LineInput,
    RetainagePolicy,
    RetainageRule,
    bill_to_complete,
    compute,
    holds_rate,
    percent_of,
    single_rate,
    summaries,
    work_for_percent,
)
from contracts.models import largest, out_of_range

# The entry fields a person types; everything else on a line is carried or computed.
ENTRY_FIELDS = (
    "work_this_period",
    "quantity_this_period",
    "materials_stored",
    "retainage_work_rate",
    "retainage_work_amount",
    "retainage_work_released",
    "retainage_materials_rate",
    "retainage_materials_amount",
    "retainage_materials_released",
)
COMPUTED_FIELDS = (
    "work_this_period",
    "completed_to_date",
    "percent_complete",
    "balance_to_finish",
    "quantity_to_date",
    "applied_work_rate",
    "retainage_work_this_period",
    "retainage_work_to_date",
    "applied_materials_rate",
    "retainage_materials_this_period",
    "retainage_materials_to_date",
    "retainage_to_date",
    "overbilled",
)
# What an edit of one line writes: what was typed, what follows from it, and what the
# contact had claimed before a reviewer's first adjustment.
EDITED_FIELDS = (
    *ENTRY_FIELDS,
    *COMPUTED_FIELDS,
    "claimed_work_this_period",
    "claimed_quantity_this_period",
    "claimed_materials_stored",
)
SUMMARY_FIELDS = (
    "total_previous_work",
    "total_work_this_period",
    "total_materials_stored",
)
# The G702 as stored on the invoice: the engine's additive lines, under the same names.
G702_FIELDS = ADDITIVE_G702


def retainage_policy(contract):
    return RetainagePolicy(
        work_rate=contract.retainage_work_rate,
        materials_rate=contract.retainage_materials_rate,
        work_rules=tuple(RetainageRule(*rule) for rule in contract.sliding_scale),
    )


# A line's fields in the order of LineInput's, under the names the line has them: the key
# is its position, the change order its number (blank for none).
_LINE_INPUT = {"key": "position", "change_order": "change_order_number"}
_input_values = attrgetter(*(_LINE_INPUT.get(name, name) for name in LineInput._fields))
_CHANGE_ORDER = LineInput._fields.index("change_order")


def line_input(line):
    """The line as the engine's input. Its fields are read in one call (attrgetter), not by
    name one by one: a bulk edit or a refresh builds 2,000 of them (docs/invoices.md)."""
    values = _input_values(line)
    if not values[_CHANGE_ORDER]:  # a blank change order number: none
        values = (*values[:_CHANGE_ORDER], None, *values[_CHANGE_ORDER + 1 :])
    return LineInput._make(values)


# What apply_entry sets for a percent complete or 100%.
PERCENT_FIELDS = ("work_this_period", "quantity_this_period", "materials_stored")


def apply_entry(line, *, percent_complete=None, complete=False, **entries):
    """Set what was typed on a line: amounts as given, a percent complete, or 100%. The
    line's input to the engine as entered (line_input), so that it is not built twice."""
    for name, value in entries.items():
        setattr(line, name, value)
    entered = line_input(line)
    if percent_complete is not None or complete:
        entered = (
            bill_to_complete(entered) if complete else work_for_percent(entered, percent_complete)
        )
        for name in PERCENT_FIELDS:
            setattr(line, name, getattr(entered, name))
    return entered


def line_placed(invoice, pk):
    """The invoice's line `pk` as stored now, in one query with `previous_completed`: the
    contract's completed and stored before the invoice's period (Σ D + previous F over its
    lines), where a sliding scale's period starts; the engine's sum, made by the database."""
    previous = (
        invoice.lines.model.objects.filter(invoice=OuterRef("invoice"))
        .values("invoice")
        .annotate(total=Sum(F("previous_work") + F("previous_materials")))
        .values("total")
    )
    return invoice.lines.annotate(previous_completed=Subquery(previous)).get(pk=pk)


def compute_invoice(invoice, lines, policy, *, inputs=None):
    """The engine's result for the invoice's `lines`; `inputs`, given, are their
    line_input already built (apply_entry's)."""
    return compute(
        [line_input(line) for line in lines] if inputs is None else inputs,
        invoice_type=InvoiceType(invoice.invoice_type),
        retainage=policy,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
    )


_computed = attrgetter(*COMPUTED_FIELDS)


def store_rows(lines, result):
    """Copy the computed figures onto the lines; the lines whose figures changed. (Compared
    as one tuple a line: a bulk edit or a refresh compares 2,000 lines.)"""
    changed = []
    for line, row in zip(lines, result.rows, strict=True):
        computed = (  # in the order of COMPUTED_FIELDS
            row.work_this_period,  # derived on unit-based lines
            row.completed_to_date,
            row.percent_complete,
            row.balance_to_finish,
            row.quantity_to_date,
            row.retainage_work_rate,
            row.retainage_work_this_period,
            row.retainage_work_to_date,
            row.retainage_materials_rate,
            row.retainage_materials_this_period,
            row.retainage_materials_to_date,
            row.retainage_to_date,
            row.overbilled,
        )
        if _computed(line) != computed:
            for name, value in zip(COMPUTED_FIELDS, computed, strict=True):
                setattr(line, name, value)
            changed.append(line)
    return changed


RATE_FIELDS = ("retainage_work_percent", "retainage_materials_percent")
SAVED_FIELDS = (*G702_FIELDS, *SUMMARY_FIELDS, *RATE_FIELDS)


def store_g702(invoice, result):
    g702 = result.g702
    for name in (*G702_FIELDS, *RATE_FIELDS):
        setattr(invoice, name, getattr(g702, name))
    invoice.total_previous_work = result.totals.previous_work
    invoice.total_work_this_period = result.totals.work_this_period
    invoice.total_materials_stored = result.totals.materials_stored


def apply_row_change(invoice, change):
    """Move the stored sums by one row's change (engine.row_change)."""
    for name in G702_FIELDS:
        setattr(invoice, name, getattr(invoice, name) + change[name])
    invoice.total_previous_work += change["previous_work"]
    invoice.total_work_this_period += change["work_this_period"]
    invoice.total_materials_stored += change["materials_stored"]


def _held(row):
    """A row's (rate, amount to date, retained to date) for work, then for materials."""
    return (
        (
            row.retainage_work_rate,
            row.previous_work + row.work_this_period,
            row.retainage_work_to_date,
        ),
        (row.retainage_materials_rate, row.materials_stored, row.retainage_materials_to_date),
    )


def apply_rate_change(invoice, line, row):
    """After one line's edit, the G702's single rates (engine.single_rate): kept while the
    line holds them, gone when it holds no rate, else found again over every line (one
    read: the line may have been the one that varied)."""
    recheck = []
    for name, held in zip(RATE_FIELDS, _held(row), strict=True):
        rate = getattr(invoice, name)
        if rate is not None and held[0] == rate and holds_rate(*held):
            continue
        if holds_rate(*held):
            recheck.append(name)
        else:
            setattr(invoice, name, None)
    if recheck:
        others = invoice.lines.exclude(pk=line.pk)
        stored = others.values_list(
            "applied_work_rate",
            "previous_work",
            "work_this_period",
            "retainage_work_to_date",
            "applied_materials_rate",
            "materials_stored",
            "retainage_materials_to_date",
        )
        work, materials = _held(row)
        rows = list(stored)
        found = {
            "retainage_work_percent": single_rate(
                [work, *((r[0], r[1] + r[2], r[3]) for r in rows)]
            ),
            "retainage_materials_percent": single_rate([materials, *(r[4:] for r in rows)]),
        }
        for name in recheck:
            setattr(invoice, name, found[name])


@cache
def _columns(model, names):
    """(name, column spec, label, largest value held) of the decimal columns among `names`."""
    columns = []
    for name in dict.fromkeys(names):
        field = model._meta.get_field(name)
        if isinstance(field, DecimalField):
            spec = {"max_digits": field.max_digits, "decimal_places": field.decimal_places}
            columns.append((name, spec, capfirst(field.verbose_name), largest(spec)))
    return tuple(columns)


def beyond_columns(lines, invoice, fields=EDITED_FIELDS):
    """Messages for the figures that the lines' edit would store beyond what their columns
    hold (a huge entry, or a percent complete of a huge amount on a small line): such an
    edit is refused, so nothing is stored that the database cannot hold or give back.
    `fields`: those of EDITED_FIELDS the edit may have moved (the others were stored)."""
    messages = []
    columns = _columns(invoice.lines.model, tuple(fields))  # the lines may be LineRows
    # Each column's largest and smallest first (2,000 lines × 25 columns): almost always
    # in range, and then no line needs looking at one by one.
    for name, _spec, _label, limit in columns:
        held = [value for value in map(attrgetter(name), lines) if value is not None]
        if held and (max(held) > limit or min(held) < -limit):
            break
    else:
        lines = ()
    for line in lines:
        for name, spec, label, limit in columns:
            value = getattr(line, name)  # compared here first: 2,000 lines × 25 columns
            if value is not None and not -limit <= value <= limit:
                messages.append(f"Line {line.number}: {out_of_range(spec, value, label)}")
    for name, spec, label, _limit in _columns(type(invoice), SAVED_FIELDS):
        if message := out_of_range(spec, getattr(invoice, name), label):
            messages.append(f"The invoice's {label.lower()}: {message}")
    return messages


def stored_totals(invoice):
    """The G703 totals row from the invoice's stored sums (each a sum of rounded lines)."""
    completed = invoice.total_completed_and_stored
    scheduled = invoice.contract_sum_to_date
    return {
        "scheduled_value": scheduled,
        "previous_work": invoice.total_previous_work,
        "work_this_period": invoice.total_work_this_period,
        "materials_stored": invoice.total_materials_stored,
        "completed_to_date": completed,
        "percent_complete": percent_of(completed, scheduled),
        "balance_to_finish": scheduled - completed,
        "retainage_to_date": invoice.total_retainage,
        "retainage_released": invoice.retainage_released,
    }


def stored_differences(invoice, lines):
    """(field, stored, recomputed) for each of the invoice's stored G702 figures, single
    rates and G703 sums that differ from the engine's sums of its stored `lines`. A
    submitted invoice's lines are frozen (contract terms may have moved since), so its
    figures are checked against its own lines' stored rows, not entries run again under
    today's terms (docs/backups.md, checking a restore)."""
    totals, g702 = summaries([stored_row(line) for line in lines])
    recomputed = {name: getattr(g702, name) for name in (*G702_FIELDS, *RATE_FIELDS)}
    recomputed |= {f"total_{name}": getattr(totals, name) for name in ADDITIVE_TOTALS}
    return [
        (name, getattr(invoice, name), value)
        for name, value in recomputed.items()
        if getattr(invoice, name) != value
    ]


def stored_row(line):
    """A stored line as the engine's G703 row: its frozen figures, nothing recomputed."""
    unit_based = line.unit_price is not None
    return G703Row(
        key=line.position,
        number=line.number,
        description=line.description,
        scheduled_value=line.scheduled_value,
        previous_work=line.previous_work,
        work_this_period=line.work_this_period,
        materials_stored=line.materials_stored,
        completed_to_date=line.completed_to_date,
        percent_complete=line.percent_complete,
        previous_materials=line.previous_materials,
        previous_retainage=line.previous_retainage_work + line.previous_retainage_materials,
        balance_to_finish=line.balance_to_finish,
        retainage_to_date=line.retainage_to_date,
        retainage_work_rate=line.applied_work_rate,
        retainage_work_this_period=line.retainage_work_this_period,
        retainage_work_released=line.retainage_work_released,
        retainage_work_to_date=line.retainage_work_to_date,
        retainage_materials_rate=line.applied_materials_rate,
        retainage_materials_this_period=line.retainage_materials_this_period,
        retainage_materials_released=line.retainage_materials_released,
        retainage_materials_to_date=line.retainage_materials_to_date,
        scheduled_quantity=line.scheduled_quantity if unit_based else None,
        previous_quantity=line.previous_quantity if unit_based else None,
        quantity_this_period=line.quantity_this_period if unit_based else None,
        quantity_to_date=line.quantity_to_date,
        change_order=line.change_order_number or None,
        overbilled=line.overbilled,
        credit=False,
    )
