"""The invoice contacts are read from Contract.invoice_contacts now (docs/permissions.md,
where each fact lives): the guardian grants that copied them, and their permission, go."""

from django.db import migrations


def delete_invoice_contact_grants(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    copies = Permission.objects.filter(
        codename="invoice_contact", content_type__app_label="contracts"
    )
    for model in ("permissions.ContractUserObjectPermission", "guardian.UserObjectPermission"):
        apps.get_model(model).objects.filter(permission__in=copies).delete()
    copies.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("permissions", "0001_initial"),
        ("contracts", "0004_invoice_contacts_not_a_grant"),
        ("guardian", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(delete_invoice_contact_grants, migrations.RunPython.noop),
    ]
