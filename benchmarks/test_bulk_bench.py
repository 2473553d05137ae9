"""`make bench`: writing many lines (docs/invoices.md, "Writing many lines"), in-process.

A bulk "% complete" on a 2,000-line invoice and a contract edit that refreshes a 2,000-line
draft, each against the engine's own time for the same lines (target ≤ 10×); and one htmx
cell save of a 500-line invoice on a flat rate, on a sliding scale that the save does not
cross, and on one that it crosses (targets: ≤ 1.5× and ≤ 5× the flat save). Each service
call or request is its own transaction, as under gunicorn. Ratios printed, not asserted.
"""

import statistics
import time
from decimal import Decimal

import pytest
from django_scopes import scope

from billing.engine import compute
from contracts.models import SOVLine
from contracts.services import contract_update
from invoices import pay_application
from invoices.services import invoice_create, invoice_lines_bulk_update
from tests.factories import BillingPeriodFactory, ContractFactory, SOVLineFactory
from tests.helpers import HTMX

LINES = 2000
ROUNDS = 7
SAVE_LINES = 500
SAVES = 100


def median_of(function, rounds=ROUNDS):
    """Median wall time of `function`, called `rounds` times (each may change something)."""
    timings = []
    for round_ in range(rounds):
        started = time.perf_counter()
        function(round_)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def invoice_of(company, project, admin, lines, **contract_fields):
    """A contract of `lines` lines of 10,000.00 each and its first invoice."""
    contract = ContractFactory(project=project, **contract_fields)
    SOVLine.objects.bulk_create(SOVLineFactory.build_batch(lines, contract=contract))
    with scope(company=company):
        return invoice_create(
            contract=contract, period=BillingPeriodFactory(project=project), acting_user=admin
        )


def engine_time(invoice):
    """The engine's median time over the invoice's lines as stored now."""
    lines = list(invoice.lines.all())
    policy = pay_application.retainage_policy(invoice.contract)
    inputs = [pay_application.line_input(line) for line in lines]
    return median_of(lambda _: compute(inputs, retainage=policy), rounds=ROUNDS * 3)


@pytest.mark.django_db(transaction=True)
def test_bulk_percent_and_drafts_refresh_against_the_engine(company, project, admin):
    invoice = invoice_of(company, project, admin, LINES)
    with scope(company=company):
        ids = list(invoice.lines.values_list("pk", flat=True))

        def bulk(round_):  # a real change every time: 40%, 41%, 40%, ...
            invoice_lines_bulk_update(
                invoice=invoice,
                line_ids=ids,
                percent_complete=Decimal(40 + round_ % 2),
                acting_user=admin,
            )

        bulk_time = median_of(bulk)
        engine = engine_time(invoice)

        contract = invoice.contract

        def contract_edit(round_):  # every line with work moves: its retainage
            contract_update(
                contract=contract, acting_user=admin, retainage_work_rate=Decimal(5 + round_ % 2)
            )

        refresh_time = median_of(contract_edit)
    print(
        f"\nengine, {LINES} lines: {engine * 1000:.2f} ms (median)"
        f"\nbulk % complete, {LINES} lines: {bulk_time * 1000:.1f} ms, "
        f"{bulk_time / engine:.1f}x the engine (target ≤ 10x)"
        f"\ncontract edit refreshing a {LINES}-line draft: {refresh_time * 1000:.1f} ms, "
        f"{refresh_time / engine:.1f}x the engine (target ≤ 10x)"
    )


def cell_saves(client, project, line, amounts):
    """Median wall time of one htmx save of `line`, alternating `amounts`."""
    url = f"/acme/projects/{project.pk}/invoice-lines/{line.pk}/"
    version = line.version
    timings = []
    for save in range(SAVES):
        started = time.perf_counter()
        response = client.post(
            url, {"version": version, "work_this_period": amounts[save % 2]}, headers=HTMX
        )
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200 and b"conflict" not in response.content
        version += 1
    return statistics.median(timings)


@pytest.mark.django_db(transaction=True)
def test_sliding_scale_cell_saves_against_a_flat_one(company, project, admin, admin_client):
    """Three 500-line invoices of 10,000.00 lines, every line billed to 40% (ΣC 5,000,000.00,
    ΣG 2,000,000.00): flat 10%; 10% then 5% from 50% complete, which a save of one line
    never reaches; and 10% then 5% from 40.05%, which line 1 crosses going from 40% to
    100% (+6,000.00, 0.12% of the contract) and crosses back, every line's work re-rated."""
    saves = {}
    for name, rules, amounts in (
        ("flat", [], ("4100.00", "4200.00")),
        ("sliding, not crossing", [{"from_percent": "50", "rate": "5"}], ("4100.00", "4200.00")),
        ("sliding, crossing", [{"from_percent": "40.05", "rate": "5"}], ("10000.00", "4000.00")),
    ):
        invoice = invoice_of(company, project, admin, SAVE_LINES, retainage_rules=rules)
        with scope(company=company):
            ids = list(invoice.lines.values_list("pk", flat=True))
            invoice_lines_bulk_update(
                invoice=invoice, line_ids=ids, percent_complete=Decimal(40), acting_user=admin
            )
            line = invoice.lines.get(position=1)
        saves[name] = cell_saves(admin_client, project, line, amounts)
    flat = saves["flat"]
    print(f"\ncell save, {SAVE_LINES}-line invoice, in-process, median of {SAVES}:")
    for name, target in (("flat", None), ("sliding, not crossing", 1.5), ("sliding, crossing", 5)):
        ratio = f", {saves[name] / flat:.2f}x flat (target ≤ {target}x)" if target else ""
        print(f"  {name}: {saves[name] * 1000:.2f} ms{ratio}")
