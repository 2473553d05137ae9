"""`make bench`: the engine on a 1,000-line invoice against a loop that only sums the same
Decimal columns, in the same run; and creating and loading that invoice's query counts."""

import random
import timeit
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from billing.engine import LineInput, RetainagePolicy, RetainageRule, compute
from invoices.models import Invoice
from invoices.services import invoice_create
from tests.factories import BillingPeriodFactory, ContractFactory, SOVLineFactory

LINES = 1000
TARGET_RATIO = 10


def sample_lines():
    rng = random.Random(7)
    lines = []
    for index in range(LINES):
        scheduled = Decimal(rng.randint(1_000_00, 900_000_00)) / 100
        lines.append(
            LineInput(
                key=index,
                number=str(index + 1),
                description=f"Line {index + 1}",
                scheduled_value=scheduled,
                previous_work=(scheduled * Decimal("0.4")).quantize(Decimal("0.01")),
                previous_retainage_work=(scheduled * Decimal("0.04")).quantize(Decimal("0.01")),
                work_this_period=(scheduled * Decimal("0.1")).quantize(Decimal("0.01")),
                materials_stored=Decimal(rng.randint(0, 5000_00)) / 100,
            )
        )
    return lines


def plain_sum(lines):
    """What any G703 must at least do: add up its Decimal columns."""
    totals = [Decimal(0)] * 6
    for line in lines:
        completed = line.previous_work + line.work_this_period + line.materials_stored
        totals[0] += line.scheduled_value
        totals[1] += line.previous_work
        totals[2] += line.work_this_period
        totals[3] += line.materials_stored
        totals[4] += completed
        totals[5] += line.scheduled_value - completed
    return totals


def best_of(function, repeat=7, number=5):
    return min(timeit.repeat(function, repeat=repeat, number=number)) / number


def test_engine_against_a_plain_decimal_loop():
    lines = sample_lines()
    policy = RetainagePolicy(
        Decimal("10"), Decimal("5"), (RetainageRule(Decimal("50"), Decimal("5")),)
    )
    engine = best_of(lambda: compute(lines, retainage=policy))
    baseline = best_of(lambda: plain_sum(lines))
    ratio = engine / baseline
    print(
        f"\nengine, {LINES} lines: {engine * 1000:.2f} ms per invoice; "
        f"plain Decimal loop: {baseline * 1000:.2f} ms; ratio {ratio:.1f}x "
        f"(target ≤ {TARGET_RATIO}x)"
    )


@pytest.mark.django_db
def test_creating_and_loading_an_invoice_query_counts(company, project, admin):
    with scope(company=company):
        period = BillingPeriodFactory(project=project)
        counts = {}
        for size in (10, LINES):
            contract = ContractFactory(project=project)
            SOVLineFactory.create_batch(size, contract=contract)
            with CaptureQueriesContext(connection) as created:
                invoice = invoice_create(contract=contract, period=period, acting_user=admin)
            with CaptureQueriesContext(connection) as loaded:
                loaded_invoice = Invoice.objects.select_related("contract", "period").get(
                    pk=invoice.pk
                )
                list(loaded_invoice.lines.all())
            counts[size] = (len(created), len(loaded))
    print(
        f"\nqueries to create / load an invoice: 10 lines {counts[10]}, "
        f"{LINES} lines {counts[LINES]} (target: the same)"
    )
    assert counts[10] == counts[LINES]
