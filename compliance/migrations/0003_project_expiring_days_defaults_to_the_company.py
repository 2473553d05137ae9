from django.db import migrations, models


def follow_the_company(apps, schema_editor):
    """Projects that kept the old default (30) now follow their company's setting, which
    starts at 30 too: nothing changes until a company admin changes it."""
    ComplianceSettings = apps.get_model("compliance", "ComplianceSettings")
    ComplianceSettings.objects.filter(expiring_days=30).update(expiring_days=None)


def back_to_thirty(apps, schema_editor):
    ComplianceSettings = apps.get_model("compliance", "ComplianceSettings")
    ComplianceSettings.objects.filter(expiring_days__isnull=True).update(expiring_days=30)


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0002_seed_document_types"),
        ("tenancy", "0009_company_compliance_expiring_days"),
    ]

    operations = [
        migrations.AlterField(
            model_name="compliancesettings",
            name="expiring_days",
            field=models.PositiveSmallIntegerField(
                blank=True, default=None, null=True, verbose_name="expiring within (days)"
            ),
        ),
        migrations.RunPython(follow_the_company, back_to_thirty),
    ]
