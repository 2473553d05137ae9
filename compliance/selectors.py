from django.utils import timezone

from .gates import status_of
from .models import ComplianceDocument, DocumentType


def vendor_documents(vendor, *, today=None):
    """The vendor's documents on file, company-wide and per commitment, each with its
    status. Expiring: within the company's own number of days (Company settings); a
    vendor spans projects, so no project's override applies here (docs/compliance.md)."""
    today = today or timezone.localdate()
    documents = ComplianceDocument.objects.filter(vendor=vendor).select_related(
        "document_type", "contract__project"
    )
    days = vendor.company.compliance_expiring_days
    return [(d, status_of(d, today=today, expiring_days=days)) for d in documents]


def document_types(company):
    return DocumentType.objects.filter(company=company)
