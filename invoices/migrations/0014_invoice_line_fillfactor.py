"""Room on each page of the invoice-line table for a line's next version (docs/invoices.md,
"Writing many lines"): a line edited in place stays on its page (a HOT update) and no index
is written, which was about half of a 2,000-line bulk edit's database time."""

from django.db import migrations

FILLFACTOR = 50


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # a storage parameter of PostgreSQL's; SQLite has none
    table = schema_editor.quote_name(apps.get_model("invoices", "InvoiceLine")._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {FILLFACTOR})")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("invoices", "InvoiceLine")._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("invoices", "0013_invoice_line_indexes_lead_with_source")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
