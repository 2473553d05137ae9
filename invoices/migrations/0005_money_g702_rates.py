from django.db import migrations, models

from billing.engine import single_rate


def rates_from_lines(apps, schema_editor):
    """Existing invoices get the single rates their stored lines hold."""
    Invoice = apps.get_model("invoices", "Invoice")
    InvoiceLine = apps.get_model("invoices", "InvoiceLine")
    for invoice in Invoice._base_manager.all().iterator():
        lines = InvoiceLine._base_manager.filter(invoice=invoice).values_list(
            "applied_work_rate",
            "previous_work",
            "work_this_period",
            "retainage_work_to_date",
            "applied_materials_rate",
            "materials_stored",
            "retainage_materials_to_date",
        )
        lines = list(lines)
        invoice.retainage_work_percent = single_rate((r[0], r[1] + r[2], r[3]) for r in lines)
        invoice.retainage_materials_percent = single_rate(r[4:] for r in lines)
        invoice.save(update_fields=["retainage_work_percent", "retainage_materials_percent"])


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0004_invitations_documents_emails"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="retainage_materials_percent",
            field=models.DecimalField(blank=True, decimal_places=4, max_digits=7, null=True),
        ),
        migrations.AddField(
            model_name="invoice",
            name="retainage_work_percent",
            field=models.DecimalField(blank=True, decimal_places=4, max_digits=7, null=True),
        ),
        migrations.RunPython(rates_from_lines, migrations.RunPython.noop),
    ]
