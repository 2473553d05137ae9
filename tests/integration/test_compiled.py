"""Compiled queries answer as their querysets do, in the active scope, with each call's
values; compiled updates write only the rows they name."""

import gc
import threading
import weakref
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django_scopes import ScopeError, scope, scopes_disabled

from contracts.models import Contract, SOVLine
from tenancy.compiled import CompiledQuery, CompiledUpdate, updates_run
from tests.factories import CompanyFactory, ContractFactory, ProjectFactory, SOVLineFactory

pytestmark = pytest.mark.django_db

LINE_WITH_CONTRACT = CompiledQuery(
    lambda pk: SOVLine.objects.select_related("contract__project").filter(pk=pk)
)
LINES_OF_CONTRACT = CompiledQuery(
    lambda contract: (
        SOVLine.objects.filter(contract=contract)
        .order_by("position")
        .values("number", "scheduled_value")
    )
)


@pytest.fixture
def lines(project):
    contract = ContractFactory(project=project)
    return [
        SOVLineFactory(contract=contract, position=n, number=str(n), scheduled_value=n * 100)
        for n in (1, 2)
    ]


def field_values(obj):
    return {name: value for name, value in vars(obj).items() if name != "_state"}


def test_a_compiled_query_returns_the_querysets_instances_related_ones_included(company, lines):
    with scope(company=company):
        expected = SOVLine.objects.select_related("contract__project").get(pk=lines[1].pk)
        with CaptureQueriesContext(connection) as queries:
            found = LINE_WITH_CONTRACT.get(pk=lines[1].pk)
            project = found.contract.project
    assert len(queries) == 1
    assert field_values(found) == field_values(expected)
    assert field_values(found.contract) == field_values(expected.contract)
    assert field_values(project) == field_values(expected.contract.project)


def test_each_call_runs_with_its_own_values(company, lines):
    with scope(company=company):
        assert [LINE_WITH_CONTRACT.get(pk=line.pk) for line in lines] == lines
        assert LINES_OF_CONTRACT.list(contract=lines[0].contract_id) == [
            {"number": "1", "scheduled_value": Decimal("100.00")},
            {"number": "2", "scheduled_value": Decimal("200.00")},
        ]


def test_the_active_scope_is_one_of_the_values_never_frozen_in(company, lines):
    other = CompanyFactory(slug="other")
    other_line = SOVLineFactory(contract=ContractFactory(project=ProjectFactory(company=other)))
    with scope(company=company):
        assert LINE_WITH_CONTRACT.get(pk=lines[0].pk) == lines[0]
        with pytest.raises(SOVLine.DoesNotExist):
            LINE_WITH_CONTRACT.get(pk=other_line.pk)
    with scope(company=other):
        assert LINE_WITH_CONTRACT.get(pk=other_line.pk) == other_line
        assert LINE_WITH_CONTRACT.first(pk=lines[0].pk) is None
    with scopes_disabled():
        assert LINE_WITH_CONTRACT.get(pk=lines[0].pk) == lines[0]


def test_an_id_no_row_can_have_finds_nothing(company, lines):
    with scope(company=company):
        assert LINE_WITH_CONTRACT.first(pk=10**20) is None
        with pytest.raises(SOVLine.DoesNotExist):
            LINE_WITH_CONTRACT.get(pk=-(10**20))


def test_small_integer_columns_take_values(company, lines):
    at = CompiledQuery(lambda position: SOVLine.objects.filter(position=position))
    with scope(company=company):
        assert at.list(position=2) == [lines[1]]


def test_a_scope_holds_a_company(company, project, lines):
    with scope(company=project), pytest.raises(ImproperlyConfigured):
        LINE_WITH_CONTRACT.get(pk=lines[0].pk)


@pytest.mark.django_db(transaction=True)
def test_each_thread_compiles_for_its_own_connection_and_lets_it_go(company, lines):
    seen = []

    def read():
        try:
            with scope(company=company):
                seen.append(LINE_WITH_CONTRACT.get(pk=lines[0].pk))
            seen.append(weakref.ref(connections[DEFAULT_DB_ALIAS]))
        finally:
            connection.close()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    gc.collect()
    found, wrapper = seen
    assert found == lines[0]
    assert wrapper() is None  # its connection is not kept alive by the compiled query


def test_a_scoped_model_outside_any_scope_raises(lines):
    with pytest.raises(ScopeError):
        LINE_WITH_CONTRACT.get(pk=lines[0].pk)


def test_get_finds_exactly_one(company, lines):
    every = CompiledQuery(lambda project: SOVLine.objects.filter(contract__project=project))
    with scope(company=company):
        with pytest.raises(SOVLine.MultipleObjectsReturned):
            every.get(project=lines[0].contract.project_id)
        with pytest.raises(SOVLine.DoesNotExist):
            every.get(project=0)


def test_a_value_the_query_transforms_refuses_to_compile(company, lines):
    containing = CompiledQuery(lambda text: SOVLine.objects.filter(description__icontains=text))
    with scope(company=company), pytest.raises(ImproperlyConfigured):
        containing.list(text="steel")


def test_values_are_ids_or_slugs(company):
    with scope(company=company), pytest.raises(TypeError):
        LINE_WITH_CONTRACT.get(pk=Decimal(1))


@pytest.mark.django_db(transaction=True)
def test_locking_needs_a_transaction(lines):
    locked = CompiledQuery(lambda pk: Contract._base_manager.select_for_update().filter(pk=pk))
    contract = lines[0].contract
    with transaction.atomic():
        assert locked.get(pk=contract.pk) == contract
    with pytest.raises(TransactionManagementError):
        locked.get(pk=contract.pk)


def test_a_compiled_update_writes_the_rows_it_names_when_its_guard_holds(lines):
    update = CompiledUpdate(
        SOVLine, ["description", "scheduled_value", "scheduled_value"], where=("pk", "position")
    )
    first, second = lines
    values = {"description": "Steel", "scheduled_value": Decimal("12.5")}
    assert update.run(values, pk=first.pk, position=2) == 0  # its position is 1
    assert update.run(values, pk=first.pk, position=1) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.description, first.scheduled_value) == ("Steel", Decimal("12.50"))
    assert second.scheduled_value == Decimal("200.00")


def test_updates_run_together_and_count_each_ones_rows(lines):
    described = CompiledUpdate(SOVLine, ["description"], where=("pk", "position"))
    valued = CompiledUpdate(SOVLine, ["scheduled_value"])
    first, second = lines
    description = first.description
    with CaptureQueriesContext(connection) as queries:
        counts = updates_run(
            described.statement({"description": "Never"}, pk=first.pk, position=2),
            valued.statement({"scheduled_value": Decimal("7.00")}, pk=second.pk),
        )
    assert (counts, len(queries)) == ([0, 1], 1)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.description, second.scheduled_value) == (description, Decimal("7.00"))
