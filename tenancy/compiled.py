"""Querysets compiled to SQL once, for the lookups that run on every request.

Building and compiling a queryset costs Django several times what running it costs the
database: resolving an invoice line's URL (four tables, 105 columns) takes about 1.3 ms to
build and compile and 0.2 ms to run. A CompiledQuery builds its queryset once per
thread and shape, keeps the SQL, and then runs that SQL with each call's values,
turning rows into model instances (select_related included) as the queryset would.

It stays inside the tenancy mechanism: the active scope (django-scopes) is one of the
query's values, so a compiled query of a scoped model is filtered to the current company
like any other query, and raises outside any scope. The values a call passes are found in
the compiled SQL by compiling twice with different marker values; a parameter that moves
between the two compilations without being one of the values refuses to compile, so no
hidden value is ever frozen into the SQL.
"""

import secrets
import threading

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.db.models.query import ModelIterable, ValuesIterable, get_related_populators
from django.db.transaction import TransactionManagementError
from django_scopes import get_scope, scope, scopes_disabled


class CompiledQuery:
    """`build(**values)` returns a queryset of model instances or of dicts (`.values()`);
    the values are ids (int) or slugs (str). Run it with `list`, `get` or `first`."""

    def __init__(self, build):
        self._build = build
        # A compiler keeps its thread's connection (for its converters): one set per thread.
        self._compiled = threading.local()

    def list(self, **values):
        return self._run(values)[1]

    def get(self, **values):
        compiled, found = self._run(values)
        if len(found) == 1:
            return found[0]
        meta = compiled.model._meta
        if not found:
            raise meta.model.DoesNotExist(f"{meta.object_name} matching query does not exist.")
        raise meta.model.MultipleObjectsReturned(f"More than one {meta.object_name} matched.")

    def first(self, **values):
        """The first row, or None: the queryset orders and slices itself ([:1])."""
        found = self.list(**values)
        return found[0] if found else None

    def _run(self, values):
        """The compiled shape for these values, and its rows."""
        scoped = _scope_values()
        compiled = self._compiled_for(values, scoped)  # raises outside a scope it needs
        connection = connections[DEFAULT_DB_ALIAS]
        low, high = connection.ops.integer_field_range("BigIntegerField")
        if any(type(value) is int and not low <= value <= high for value in values.values()):
            return compiled, []  # no row has such an id: what the queryset answers too
        return compiled, compiled.run(connection, values, scoped or {})

    def _compiled_for(self, values, scoped):
        shapes = self._compiled.__dict__.setdefault("shapes", {})
        key = (_kinds(values), None if scoped is None else _kinds(scoped))
        if key not in shapes:
            shapes[key] = self._compile(values, scoped)
        return shapes[key]

    def _compile(self, values, scoped):
        """Compile with two sets of markers; where the parameters differ are the values."""
        runs = []
        for markers, scope_markers in _marker_pairs(values, scoped):
            with scopes_disabled() if scoped is None else scope(**scope_markers):
                queryset = self._build(**markers)
            if queryset.db != DEFAULT_DB_ALIAS:
                raise ImproperlyConfigured("A compiled query runs on the default database.")
            compiler = queryset.query.get_compiler(using=DEFAULT_DB_ALIAS)
            sql, params = compiler.as_sql()
            names = {marker: (False, name) for name, marker in markers.items()}
            names |= {marker: (True, name) for name, marker in (scope_markers or {}).items()}
            runs.append((queryset, compiler, sql, params, names))
        (queryset, compiler, sql, params, names), other = runs
        if sql != other[2]:
            raise ImproperlyConfigured("A compiled query's SQL must not depend on its values.")
        slots = []
        for position, (param, changed) in enumerate(zip(params, other[3], strict=True)):
            if param == changed:
                continue
            if param not in names:
                raise ImproperlyConfigured(
                    f"A compiled query's parameter {position} changes but is none of its "
                    "values: a value transformed, or something else that changes."
                )
            slots.append((position, *names[param]))
        return _Compiled(queryset, compiler, sql, list(params), slots)


class _Compiled:
    """One compiled shape: its SQL, where each call's values go, and how rows become what
    the queryset would have returned (as ModelIterable and ValuesIterable do)."""

    def __init__(self, queryset, compiler, sql, params, slots):
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise ImproperlyConfigured("A compiled query neither prefetches nor relates.")
        if queryset._fetch_mode.track_peers:
            raise ImproperlyConfigured("A compiled query fetches deferred fields one by one.")
        self.model = queryset.model
        self.sql, self.params, self.slots = sql, params, slots
        self.for_update = compiler.query.select_for_update
        self.compiler = compiler
        columns = [each[0] for each in compiler.select[: compiler.col_count]]
        self.converters = compiler.get_converters(columns)
        if queryset._iterable_class is ValuesIterable:
            query = queryset.query
            names = list(query.selected or ()) or [
                *query.extra_select,
                *query.values_select,
                *query.annotation_select,
            ]
            self.shape = lambda row: dict(zip(names, row, strict=True))
        elif queryset._iterable_class is ModelIterable:
            self.shape = self._instance_maker(queryset, compiler)
        else:
            raise ImproperlyConfigured("A compiled query returns model instances or dicts.")

    def run(self, connection, values, scoped):
        params = self.params.copy()
        for position, from_scope, name in self.slots:
            params[position] = scoped[name] if from_scope else values[name]
        if (
            self.for_update
            and connection.features.has_select_for_update
            and connection.get_autocommit()
        ):
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        return [self.shape(row) for row in rows]

    @staticmethod
    def _instance_maker(queryset, compiler):
        select, klass_info = compiler.select, compiler.klass_info
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        names = [each[0].target.attname for each in select[start:end]]
        model, db, fetch_mode = queryset.model, compiler.using, queryset._fetch_mode
        populators = get_related_populators(klass_info, select, db, fetch_mode)
        annotations = list((compiler.annotation_col_map or {}).items())

        def instance(row):
            obj = model.from_db(db, names, row[start:end], fetch_mode=fetch_mode)
            for populator in populators:
                populator.populate(row, obj)
            for name, position in annotations:
                setattr(obj, name, row[position])
            return obj

        return instance


def _scope_values():
    """The active scope as values ({dimension: id}); None when scopes are disabled."""
    current = get_scope()
    if not current.get("_enabled", True):
        return None
    scoped = {}
    for dimension, value in current.items():
        if dimension != "_enabled":
            scoped[dimension] = _scope_id(dimension, value)
    return scoped


def _scope_id(dimension, value):
    """A scope's value as an id, checked as the ORM would: a `company` scope holds a
    Company (or its id)."""
    if value is None or type(value) is int:
        return value
    if isinstance(value, Model) and value._meta.model_name == dimension:
        return value.pk
    raise ImproperlyConfigured(f"A compiled query runs in a scope of one {dimension}.")


def _kinds(values):
    return tuple(sorted((name, type(value)) for name, value in values.items()))


def _marker_pairs(values, scoped):
    """Two sets of (markers of the values, markers of the scope): each marker of its
    value's type and unlike every other. Ints are drawn below 32,767, which every integer
    column accepts (Django refuses a value out of a column's range before any SQL exists)."""
    count = 2 * (len(values) + len(scoped or {}))
    draw = iter(secrets.SystemRandom().sample(range(1000, 32767), count))
    return [
        (_markers(values, draw), None if scoped is None else _markers(scoped, draw, empty=True))
        for _ in range(2)
    ]


def _markers(values, draw, *, empty=False):
    """A marker for each value; a scope dimension may be None (`empty`): no filter on it."""
    markers = {}
    for name, value in values.items():
        if empty and value is None:
            markers[name] = None
        elif type(value) is int:  # not a bool
            markers[name] = next(draw)
        elif type(value) is str:
            markers[name] = f"marker-{next(draw)}"
        else:
            raise TypeError(f"A compiled query's values are ids or slugs, not {value!r}.")
    return markers


class CompiledUpdate:
    """`UPDATE` of a fixed list of one model's fields on the row(s) matching fixed fields,
    written once from the model's fields: compiling QuerySet.update() or
    Model.save(update_fields=...) costs more than the statement. Values are prepared by
    their fields as Model.save() prepares them; like QuerySet.update(), no signals."""

    def __init__(self, model, fields, *, where=("pk",)):
        meta = model._meta
        self._set = [meta.get_field(name) for name in dict.fromkeys(fields)]
        self._where = [meta.pk if name == "pk" else meta.get_field(name) for name in where]
        self._table = meta.db_table
        self._sql = {}  # per database vendor: quoting differs

    def run(self, values, **where):
        """Set `values` ({field name: value}, every field) where the fields equal `where`;
        the number of rows changed."""
        return updates_run(self.statement(values, **where))[0]

    def statement(self, values, **where):
        """The same, to run with others (updates_run): (SQL, parameters)."""
        connection = connections[DEFAULT_DB_ALIAS]
        params = [field.get_db_prep_save(values[field.name], connection) for field in self._set]
        params += [
            field.get_db_prep_value(where["pk" if field.primary_key else field.name], connection)
            for field in self._where
        ]
        return self._sql_for(connection), params

    def _sql_for(self, connection):
        sql = self._sql.get(connection.vendor)
        if sql is None:
            quote = connection.ops.quote_name
            assignments = ", ".join(f"{quote(field.column)} = %s" for field in self._set)
            conditions = " AND ".join(f"{quote(field.column)} = %s" for field in self._where)
            sql = f"UPDATE {quote(self._table)} SET {assignments} WHERE {conditions}"
            self._sql[connection.vendor] = sql
        return sql


def updates_run(*statements):
    """Run UPDATE statements of different rows (CompiledUpdate.statement); the number of
    rows each changed. On PostgreSQL they are one statement, each a WITH clause: one round
    trip, and each statement's work is the same as alone. A caller that finds one changed
    nothing raises, and its transaction undoes the others."""
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        if len(statements) == 1 or connection.vendor != "postgresql":
            counts = []
            for sql, params in statements:
                cursor.execute(sql, params)
                counts.append(cursor.rowcount)
            return counts
        clauses = ", ".join(f"u{n} AS ({sql} RETURNING 1)" for n, (sql, _) in enumerate(statements))
        counts = ", ".join(f"(SELECT count(*) FROM u{n})" for n in range(len(statements)))
        cursor.execute(
            f"WITH {clauses} SELECT {counts}",
            [param for _, params in statements for param in params],
        )
        return list(cursor.fetchone())
