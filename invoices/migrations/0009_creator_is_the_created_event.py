from django.db import migrations


def creators_to_events(apps, schema_editor):
    """Who created an invoice is its "created" event (docs/invoices.md, "Who did what"): an
    invoice made before events existed gets one from the column, then the column goes."""
    Invoice = apps.get_model("invoices", "Invoice")
    InvoiceEvent = apps.get_model("invoices", "InvoiceEvent")
    InvoiceEvent.objects.bulk_create(
        InvoiceEvent(invoice=invoice, kind="created", actor_id=invoice.created_by_id, at=invoice.created_at)
        for invoice in Invoice.objects.exclude(events__kind="created").iterator()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0008_invoice_events"),
    ]

    operations = [
        migrations.RunPython(creators_to_events, migrations.RunPython.noop),
        migrations.RemoveField(model_name="invoice", name="created_by"),
    ]
