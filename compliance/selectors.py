from django.utils import timezone

from .gates import DEFAULT_EXPIRING_DAYS, status_of
from .models import ComplianceDocument, DocumentType


def vendor_documents(vendor, *, today=None):
    """The vendor's documents on file, company-wide and per commitment, each with its
    status (expiring: within the default 30 days; a project may say otherwise)."""
    today = today or timezone.localdate()
    documents = ComplianceDocument.objects.filter(vendor=vendor).select_related(
        "document_type", "contract__project"
    )
    return [(d, status_of(d, today=today, expiring_days=DEFAULT_EXPIRING_DAYS)) for d in documents]


def document_types(company):
    return DocumentType.objects.filter(company=company)
