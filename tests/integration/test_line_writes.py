"""Writing many lines at once (invoices/line_writes.py; docs/invoices.md, "Writing many
lines"): queries that do not grow with the lines, and the figures that saving each line on
its own would store."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.models import SOVLine
from contracts.services import contract_update
from invoices import pay_application
from invoices.models import Invoice, InvoiceLine
from invoices.services import invoice_create, invoice_line_update, invoice_lines_bulk_update
from tests.factories import BillingPeriodFactory, ContractFactory, SOVLineFactory
from tests.helpers import HTMX

pytestmark = pytest.mark.django_db

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")
# Everything stored on a line but what names it (the twins' SOV lines differ) and its
# version.
FIGURES = [
    field.attname
    for field in InvoiceLine._meta.concrete_fields
    if field.name not in {"id", "invoice", "sov_line", "description", "version"}
]
INVOICE_FIGURES = pay_application.SAVED_FIELDS


def make_invoice(company, project, admin, values, **contract_fields):
    """A contract whose SOV lines have these scheduled values, and its first invoice. A
    value given as (quantity, unit price) makes a unit-priced line of that quantity."""
    contract = ContractFactory(project=project, **contract_fields)
    SOVLine.objects.bulk_create(
        SOVLineFactory.build(contract=contract, position=n, number=str(n), **sov_fields(v))
        for n, v in enumerate(values, 1)
    )
    with scope(company=company):
        return invoice_create(
            contract=contract, period=BillingPeriodFactory(project=project), acting_user=admin
        )


def sov_fields(value):
    if not isinstance(value, tuple):
        return {"scheduled_value": value}
    quantity, unit_price = value
    return {
        "scheduled_value": (quantity * unit_price).quantize(D("0.01")),
        "quantity": quantity,
        "unit": "m",
        "unit_price": unit_price,
    }


def queries(captured):
    return [q["sql"] for q in captured if not q["sql"].startswith(TRANSACTION_CONTROL)]


def invoice_url(invoice):
    contract = invoice.contract
    return f"/acme/projects/{contract.project_id}/contracts/{contract.pk}/invoices/{invoice.pk}/"


# 10,000.00 lines billed to 40%: line 1 going to 100% moves the contract by 6% on 10 lines,
# 0.03% on 2,000; a threshold at 40.01% is crossed either way, one at 90% never.
SCALES = {
    "flat": [],
    "sliding, not crossed": [{"from_percent": "90", "rate": "5"}],
    "sliding, crossed": [{"from_percent": "40.01", "rate": "5"}],
}


def test_a_cell_save_costs_the_same_queries_for_10_or_2000_lines(
    company, project, admin, admin_client
):
    """Flat, the seven queries of docs/tenancy.md; on a sliding scale the save does not
    cross, one more (the line read again under the lock, with the sum that places the
    period); crossing it, two more again (every line, and the lines re-rated, written at
    once)."""
    counts = {}
    for name, rules in SCALES.items():
        for size in (10, 2000):
            invoice = make_invoice(
                company, project, admin, [D("10000.00")] * size, retainage_rules=rules
            )
            with scope(company=company):
                ids = list(invoice.lines.values_list("pk", flat=True))
                invoice_lines_bulk_update(
                    invoice=invoice, line_ids=ids, percent_complete=D(40), acting_user=admin
                )
                first = invoice.lines.get(position=1)
            with CaptureQueriesContext(connection) as captured:
                response = admin_client.post(
                    f"/acme/projects/{project.pk}/invoice-lines/{first.pk}/",
                    {"version": first.version, "work_this_period": "10000.00"},
                    headers=HTMX,
                )
            assert response.status_code == 200 and b"conflict" not in response.content
            with scope(company=company):
                first.refresh_from_db()
            assert first.work_this_period == D("10000.00")
            counts[name, size] = len(queries(captured))
    assert counts == {
        ("flat", 10): 7,
        ("flat", 2000): 7,
        ("sliding, not crossed", 10): 8,
        ("sliding, not crossed", 2000): 8,
        ("sliding, crossed", 10): 10,
        ("sliding, crossed", 2000): 10,
    }


def test_a_bulk_edit_and_a_drafts_refresh_cost_the_same_queries_for_10_or_2000_lines(
    company, project, admin, admin_client
):
    counts = {}
    for size in (10, 2000):
        invoice = make_invoice(company, project, admin, [D("10000.00")] * size)
        with scope(company=company):
            ids = list(invoice.lines.values_list("pk", flat=True))
        with CaptureQueriesContext(connection) as bulk:
            response = admin_client.post(
                f"{invoice_url(invoice)}bulk/",
                {"lines": ids, "operation": "set", "percent_complete": "40"},
            )
        assert response.status_code == 302
        with scope(company=company), CaptureQueriesContext(connection) as refresh:
            contract_update(
                contract=invoice.contract, acting_user=admin, retainage_work_rate=D("5")
            )
            lines = list(invoice.lines.all())
        assert {line.percent_complete for line in lines} == {D("40.00")}
        assert {line.retainage_work_to_date for line in lines} == {D("200.00")}
        counts[size] = (len(queries(bulk)), len(queries(refresh)))
    assert counts[10] == counts[2000]


@st.composite
def bulk_edits(draw):
    """An SOV (amount lines, and unit-priced ones: a bulk % complete enters their
    quantities), its retainage terms, and a bulk edit of some of its lines."""
    amounts = st.integers(1, 5_000_000).map(lambda n: D(n) / 100)
    units = st.tuples(
        st.integers(1, 100_000).map(lambda n: D(n) / 10),
        st.integers(1, 1_000_000).map(lambda n: D(n) / 10_000),
    )
    rules = draw(
        st.sampled_from(
            [[], [{"from_percent": "30", "rate": "5"}], [{"from_percent": "0.5", "rate": "2"}]]
        )
    )
    # Unit-priced lines on flat terms only: on a sliding scale, starting the invoice fails
    # today (a new line's quantities are the model's int defaults, which the engine's
    # quantity rounding does not take), on main as here.
    values = draw(st.lists(amounts | units if not rules else amounts, min_size=1))
    selected = draw(st.sets(st.integers(1, len(values)), min_size=1))
    percent = draw(st.none() | st.integers(0, 10000).map(lambda n: D(n) / 100))
    rate = draw(st.integers(0, 1500).map(lambda n: D(n) / 100))
    if percent is not None and draw(st.booleans()):
        rate = None
    return values, rules, sorted(selected), percent, rate


def stored(invoice):
    lines = [
        [getattr(line, name) for name in FIGURES] for line in invoice.lines.order_by("position")
    ]
    invoice = Invoice.objects.get(pk=invoice.pk)
    return lines, [getattr(invoice, name) for name in INVOICE_FIGURES]


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edit=bulk_edits(), new_rate=st.integers(0, 1500).map(lambda n: D(n) / 100))
def test_a_bulk_edit_and_a_drafts_refresh_store_what_saving_each_line_would(
    company, project, admin, edit, new_rate
):
    """The same edit on two invoices of twin contracts: in bulk on one, line by line on the
    other (each save recomputing what it moves); then a change of the contracts' rate
    refreshes both drafts. Every stored figure of every line and of the invoice is the
    same, and the same as the engine's over the stored lines."""
    values, rules, selected, percent, rate = edit
    twins = [make_invoice(company, project, admin, values, retainage_rules=rules) for _ in "ab"]
    bulk, by_line = twins
    entries = {"retainage_work_rate": rate, "percent_complete": percent}
    entries = {name: value for name, value in entries.items() if value is not None}
    with scope(company=company):
        lines = {line.position: line for line in bulk.lines.all()}
        invoice_lines_bulk_update(
            invoice=bulk,
            line_ids=[lines[position].pk for position in selected],
            acting_user=admin,
            **entries,
        )
        for position in selected:
            line = by_line.lines.get(position=position)
            invoice_line_update(line=line, version=line.version, **entries)
        assert stored(bulk) == stored(by_line)
        for invoice in twins:
            contract_update(
                contract=invoice.contract, acting_user=admin, retainage_work_rate=new_rate
            )
        assert stored(bulk) == stored(by_line)
        lines = list(bulk.lines.all())
        bulk.refresh_from_db()
        policy = pay_application.retainage_policy(bulk.contract)
        result = pay_application.compute_invoice(bulk, lines, policy)
        assert pay_application.store_rows(lines, result) == []  # every line as computed
