"""Writing many lines of one invoice in one statement (docs/invoices.md, "Writing many
lines").

Django's `bulk_update` writes each column as a CASE over every line's id, which PostgreSQL
plans and evaluates per row and per column: on 2,000 lines that was nearly all of a bulk
edit's time. Here the write is one `UPDATE … FROM unnest(…)` on PostgreSQL (the lines'
values as one array per column), and one plain `UPDATE … WHERE id = %s` run for each line
(`executemany`) on any other database (SQLite, the embedded demo). The SQL is written from
the model's public field API; the values are parameters, never text in the statement.

The lines are ones the caller read through the scoped managers, under the invoice's lock
(`invoices.services.invoice_lock`): this writes those ids only, and only within that
invoice, so a write can never leave the tenant scope the lines were read in.
"""

from operator import attrgetter

from django.db import connection

from .models import InvoiceLine, LineFacts

# Every stored column of a line but its invoice (the caller's), its cost code and unit and
# the review's verdict and reason, which no write of many lines reads or moves.
ROW_FIELDS = tuple(
    field.attname
    for field in InvoiceLine._meta.concrete_fields
    if field.name not in {"id", "invoice", "cost_code", "unit", "review_status", "review_reason"}
)


class LineRow(LineFacts):
    """A stored line as its columns' values, read with `.values()` (lines_read): what the
    engine reads of a line (pay_application.line_input) and what an edit sets and these
    writes store, under the model's own names. A model instance of 47 fields, with its
    signals, cost about as much again as reading the line (docs/invoices.md, "Writing
    many lines")."""

    def __init__(self, values):
        self.__dict__ = values  # the query's own dict, not copied


def lines_read(invoice):
    """The invoice's lines, in order, as LineRows (read through the scoped manager: the
    caller holds the invoice's lock, invoices.services.invoice_lock)."""
    return [LineRow(values) for values in invoice.lines.values("pk", *ROW_FIELDS)]


def figures_of(lines, fields):
    """Each line's `fields` (two or more) as they are now, to find later what an edit
    changed."""
    values = attrgetter(*fields)
    return {line.pk: values(line) for line in lines}


def changed_lines(lines, before, fields):
    """The lines whose `fields` differ from `before` (figures_of, taken earlier; a line not
    in it counts as changed), and those of `fields` that differ on any of them."""
    values = attrgetter(*fields)
    changed, pairs = [], []
    for line in lines:
        now, was = values(line), before.get(line.pk)
        if now != was:
            changed.append(line)
            pairs.append((now, was))
    # Column by column: a column that moved is found at its first changed line, and only
    # the columns that did not are compared on every one (2,000 lines × 16 fields).
    moved = (
        name
        for index, name in enumerate(fields)
        if any(was is None or now[index] != was[index] for now, was in pairs)
    )
    return changed, list(dict.fromkeys(moved))


def lines_write(invoice, lines, fields, *, move_versions):
    """Store `fields` of `lines` (all of `invoice`). With `move_versions`, each line's
    version moves by one, as a cell save's does (docs/tenancy.md, the version guard), so
    that an edit made from a page read before this write is refused, not applied over it."""
    if not lines or not (fields or move_versions):
        return
    # A field named twice (EDITED_FIELDS has E as typed and as computed) is written once.
    columns = [InvoiceLine._meta.get_field(name) for name in dict.fromkeys(fields)]
    # Every column written here is a decimal, an integer or a boolean, which the database
    # drivers take as it is: Django's conversion of each value (get_db_prep_save) would
    # only add time, 50,000 calls for a bulk edit of 2,000 lines.
    values = [attrgetter(field.attname) for field in columns]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                _arrays_update(columns, move_versions),
                [
                    _array_text(line.pk for line in lines),
                    *(_array_text(map(value, lines)) for value in values),
                    invoice.pk,
                ],
            )
        else:
            cursor.executemany(
                _plain_update(columns, move_versions),
                [[*(value(line) for value in values), line.pk, invoice.pk] for line in lines],
            )
    if move_versions:
        for line in lines:
            line.version += 1


def _array_text(values):
    """A column's values as one PostgreSQL array in its text form, which the statement casts
    to the column's type. psycopg would dump a list of values one by one in Python (about
    a third of a 2,000-line write's CPU); `str` of a Decimal, an int or a bool is what its
    dumpers send for each, and PostgreSQL reads them back exactly (True as true). Most
    columns hold no NULL: their values go through `str` all at once (`map`)."""
    values = list(values)
    if None in values:
        return "{" + ",".join("NULL" if value is None else str(value) for value in values) + "}"
    return "{" + ",".join(map(str, values)) + "}"


def _quoted(name):
    return connection.ops.quote_name(name)


def _settings(columns, move_versions, source, table=""):
    """The SET list: each column from `source`, and the version moved if asked."""
    sets = [f"{_quoted(field.column)} = {source(field)}" for field in columns]
    if move_versions:
        version = _quoted(InvoiceLine._meta.get_field("version").column)
        sets.append(f"{version} = {table}{version} + 1")
    return ", ".join(sets)


def _arrays_update(columns, move_versions):
    """PostgreSQL: one UPDATE joined to the rows (id, value, …) that `unnest` makes of one
    array per column. A VALUES list would be the same join, but its text grows with the
    lines (2,000 lines of 13 columns are 28,000 placeholders, parsed again by the driver on
    every call); with arrays the statement is the same whatever the number of lines, and
    PostgreSQL may keep it prepared. The casts give the arrays their column types."""
    table = _quoted(InvoiceLine._meta.db_table)
    pk = InvoiceLine._meta.pk
    names = ", ".join(_quoted(field.column) for field in [pk, *columns])
    arrays = ", ".join(f"%s::{field.cast_db_type(connection)}[]" for field in [pk, *columns])
    invoice = _quoted(InvoiceLine._meta.get_field("invoice").column)
    return (
        f"UPDATE {table} AS line SET "
        f"{_settings(columns, move_versions, lambda f: 'v.' + _quoted(f.column), 'line.')} "
        f"FROM unnest({arrays}) AS v({names}) "
        f"WHERE line.{_quoted(pk.column)} = v.{_quoted(pk.column)} AND line.{invoice} = %s"
    )


def _plain_update(columns, move_versions):
    """Any other database: an UPDATE of one line, run for each (executemany)."""
    table = _quoted(InvoiceLine._meta.db_table)
    pk = _quoted(InvoiceLine._meta.pk.column)
    invoice = _quoted(InvoiceLine._meta.get_field("invoice").column)
    return (
        f"UPDATE {table} SET {_settings(columns, move_versions, lambda field: '%s')} "
        f"WHERE {pk} = %s AND {invoice} = %s"
    )
