"""One check for every uploaded document (invoices.backups.checked_upload,
docs/documents.md): empty, over 20 MB, or not a PDF, PNG or JPEG by its bytes is refused
the same way by every form that takes a file and by every service that keeps one."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict
from django_scopes import scope

from compliance import services as compliance_services
from compliance.forms import ComplianceDocumentForm
from compliance.models import DocumentType
from invoices import backups
from invoices.forms import UploadField
from invoices.models import Invoice
from payments import services as payment_services
from payments.forms import PaymentForm
from tests.helpers import make_invoice, pdf_bytes
from waivers import services as waiver_services
from waivers.forms import SubtierWaiverForm

pytestmark = pytest.mark.django_db

BAD = {
    "empty": (b"", "The file is empty."),
    "too big": (b"%PDF-" + b"0" * (20 * 1024 * 1024), "Files are at most 20 MB each."),
    "wrong type": (b"GIF89a a gif is not a document", "Attach a PDF, a PNG or a JPEG."),
}


def upload(content, name="file.pdf"):
    return SimpleUploadedFile(name, content, "application/pdf")


@pytest.fixture
def invoice(company, project, admin):
    return make_invoice(company, project, admin)


@pytest.mark.parametrize("case", BAD)
def test_the_shared_check_refuses(case):
    content, message = BAD[case]
    with pytest.raises(ValidationError) as refused:
        backups.checked_upload(upload(content))
    assert refused.value.messages == [message]


def test_the_shared_check_reads_a_good_file_once_and_names_its_type():
    good = upload(pdf_bytes())
    assert backups.checked_upload(good) == "application/pdf"
    assert good.read(5) == b"%PDF-"  # left at its start for storage


def forms(company, invoice):
    """Every form that takes a document, with its file field's name."""
    with scope(company=company):
        Invoice.objects.filter(pk=invoice.pk).update(status="approved")
        invoice.refresh_from_db()
        invoice.unpaid = invoice.current_payment_due
        return [
            (lambda files: ComplianceDocumentForm({}, files, company=company), "file"),
            (lambda files: SubtierWaiverForm({}, files), "file"),
            (lambda files: PaymentForm({}, files, invoices=[invoice], issued=True), "attachment"),
        ]


@pytest.mark.parametrize("case", BAD)
def test_every_upload_form_refuses_at_the_field(company, invoice, case):
    content, message = BAD[case]
    for make, field in forms(company, invoice):
        with scope(company=company):
            form = make(MultiValueDict({field: [upload(content)]}))
            assert isinstance(form.fields[field], UploadField)
            assert not form.is_valid()
        assert form.errors[field] == [message], type(form).__name__


@pytest.mark.parametrize("case", BAD)
def test_every_service_that_keeps_a_file_refuses_it(company, project, admin, invoice, case):
    """For callers without a form (the invoice page's attachment, the demo, jobs)."""
    content, message = BAD[case]
    contract = invoice.contract
    with scope(company=company):
        Invoice.objects.filter(pk=invoice.pk).update(status="approved")
        contract.payments_issued_enabled = True
        contract.save(update_fields=["payments_issued_enabled"])
        insurance = DocumentType.objects.get(company=company, name="Certificate of insurance")
        calls = {
            "invoice attachment": lambda: backups.attachment_add(
                invoice=invoice, upload=upload(content), uploaded_by=admin
            ),
            "payment attachment": lambda: payment_services.payment_record(
                contract=contract,
                allocations=[(invoice, D("1.00"))],
                acting_user=admin,
                paid_on=date(2027, 1, 1),
                attachment=upload(content),
            ),
            "sub-tier waiver": lambda: waiver_services.subtier_waiver_add(
                invoice=invoice,
                kind="conditional_progress",
                party="Spark Supply",
                upload=upload(content),
                acting_user=admin,
            ),
            "compliance document": lambda: compliance_services.compliance_document_add(
                vendor=contract.vendor,
                document_type=insurance,
                upload=upload(content),
                acting_user=admin,
            ),
        }
        for name, call in calls.items():
            with pytest.raises(ValidationError) as refused:
                call()
            assert message in refused.value.messages, name
