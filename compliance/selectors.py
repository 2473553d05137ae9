from django.utils import timezone

from .gates import requirements_of, status_of
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


def invoicing_compliance_texts(rows, *, project):
    """The invoicing export's Compliance column (invoices.exports): each row's requirements
    as the page's cell shows them (templates/compliance/partials/
    invoicing_compliance_cell.html), "—" for none: two queries (gates.requirements_of)."""
    found = requirements_of(project.pk, [row.commitment for row in rows])
    return [
        " · ".join(
            f"{r.document_type.name}: {r.status_label.lower()}"
            for r in found.get(row.commitment.pk, ())
        )
        or "—"
        for row in rows
    ]
