from django.db import migrations

DEFAULT_TYPES = (
    ("Certificate of insurance", True),
    ("W-9", False),
    ("License", False),
    ("Bond", True),
    ("Safety record", False),
)


def seed(apps, schema_editor):
    """Companies that exist before this app get the types a new company gets."""
    Company = apps.get_model("tenancy", "Company")
    DocumentType = apps.get_model("compliance", "DocumentType")
    DocumentType.objects.bulk_create(
        [
            DocumentType(company=company, name=name, has_coverage=coverage)
            for company in Company.objects.all()
            for name, coverage in DEFAULT_TYPES
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_compliance_documents")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
