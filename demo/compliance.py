"""Compliance documents in the demo (docs/compliance.md): the project requires a current
certificate of insurance of at least $1,500,000.00 to submit and to pay, and a W-9 to
approve. Apex's certificate has expired (its contact sees what to upload on SC-001's draft),
Summit's expires within the month and covers less than the minimum, and its W-9 is missing
(SC-002, under review, cannot be approved yet), Blue Line's are valid."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfWriter

from compliance import reminders, services
from compliance.models import ComplianceSettings, DocumentType
from contracts.models import Contract


def _pdf(name):
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    output = BytesIO()
    writer.write(output)
    return SimpleUploadedFile(name, output.getvalue(), "application/pdf")


def seed_compliance(project, *, admin):
    """Idempotent: a project with compliance settings is left as it is."""
    if ComplianceSettings.objects.filter(project=project).exists():
        return
    types = {t.name: t for t in DocumentType.objects.filter(company=project.company)}
    if not {"Certificate of insurance", "W-9", "Bond"} <= set(types):
        return  # the company renamed its types: nothing to show them with
    insurance, w9, bond = types["Certificate of insurance"], types["W-9"], types["Bond"]
    services.compliance_settings_update(
        project=project,
        expiring_days=None,  # the company's days (Company settings), docs/compliance.md
        gates={insurance: {"submit", "pay"}, w9: {"approve"}},
        minimums={insurance: Decimal("1500000.00")},
        acting_user=admin,
    )
    today = timezone.localdate()
    vendors = {
        c.vendor.name: c.vendor
        for c in Contract.objects.filter(project=project)
        .exclude(vendor=None)
        .select_related("vendor")
    }
    on_file = [
        # (vendor, type, expires in days or None, coverage)
        ("Apex Electrical LLC", insurance, -12, Decimal("2000000.00")),
        ("Apex Electrical LLC", w9, None, None),
        ("Summit Concrete Co.", insurance, 12, Decimal("1000000.00")),
        ("Blue Line Plumbing", insurance, 200, Decimal("2000000.00")),
        ("Blue Line Plumbing", w9, None, None),
        ("Blue Line Plumbing", bond, 20, Decimal("150000.00")),
    ]
    for vendor_name, document_type, days, coverage in on_file:
        vendor = vendors.get(vendor_name)
        if (
            vendor is None
            or vendor.compliance_documents.filter(document_type=document_type).exists()
        ):
            continue  # a vendor's documents are company-wide: the first project seeds them
        expires = None if days is None else today + timedelta(days=days)
        services.compliance_document_add(
            vendor=vendor,
            document_type=document_type,
            upload=_pdf(f"{document_type.name.lower().replace(' ', '-')}.pdf"),
            issued_on=(expires or today) - timedelta(days=365),
            expires_on=expires,
            coverage_amount=coverage,
            acting_user=admin,
        )
    # The daily job's first run, inline: the expiring and expired documents' reminders
    # are in the email log (once each, whenever the demo is seeded again).
    reminders.reminders_send()
