"""Attachments (checked by their bytes) and the compiled backup: the invoice, its
attachments and, for a client invoice, the period's approved subcontractor invoices."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope, scopes_disabled
from PIL import Image
from pypdf import PdfReader, PdfWriter

from contracts.models import Contract
from invoices.models import Invoice, InvoiceAttachment, InvoiceDocument
from invoices.services import invoice_set_status, invoice_submit
from permissions.levels import Level
from tests.factories import MembershipFactory, PersonFactory
from tests.helpers import HTMX, client_for, downloaded, grant, invoice_url, make_invoice

pytestmark = pytest.mark.django_db


def a_pdf(pages=2, password=None):
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    if password:
        writer.encrypt(password)
    output = BytesIO()
    writer.write(output)
    return SimpleUploadedFile("waiver.pdf", output.getvalue(), "application/pdf")


def a_png():
    output = BytesIO()
    Image.new("RGB", (300, 200), "white").save(output, "PNG")
    return SimpleUploadedFile("delivery-ticket.png", output.getvalue(), "image/png")


def named(name, content):
    return SimpleUploadedFile(name, content, "application/pdf")


def titles(reader):
    """The backup's own bookmarks, without those of the documents inside it."""
    return [item.title for item in reader.outline if not isinstance(item, list)]


def attach(client, invoice, upload):
    return client.post(f"{invoice_url(invoice)}attachments/", {"file": upload})


def attachments(invoice):
    with scopes_disabled():
        return list(InvoiceAttachment.objects.filter(invoice=invoice))


@pytest.fixture
def invoice(company, project, admin):
    return make_invoice(company, project, admin)


def test_an_admin_attaches_a_pdf_and_an_image_and_they_are_listed(invoice, admin_client):
    attach(admin_client, invoice, a_pdf())
    attach(admin_client, invoice, a_png())
    stored = attachments(invoice)
    assert [(a.name, a.content_type) for a in stored] == [
        ("waiver.pdf", "application/pdf"),
        ("delivery-ticket.png", "image/png"),
    ]
    page = admin_client.get(invoice_url(invoice)).content.decode()
    assert "waiver.pdf" in page and "delivery-ticket.png" in page
    response = admin_client.get(f"{invoice_url(invoice)}attachments/{stored[0].pk}/")
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


@pytest.mark.parametrize(
    "upload, message",
    [
        (named("notes.pdf", b"just text"), "Attach a PDF, a PNG"),
        (named("broken.pdf", b"%PDF-1.7 nothing more"), "cannot be read"),
        (a_pdf(password="secret"), "protected"),
        (named("huge.pdf", b"%PDF-" + b"0" * (20 * 1024 * 1024)), "20 MB"),
        (named("empty.png", b""), "empty"),
    ],
    ids=["text", "broken", "encrypted", "too-big", "empty"],
)  # fmt: skip
def test_files_that_are_not_what_they_claim_are_refused(invoice, admin_client, upload, message):
    response = attach(admin_client, invoice, upload)
    assert message in admin_client.get(response.url).content.decode()
    assert attachments(invoice) == []


def test_a_contact_attaches_to_its_draft_but_not_once_submitted(company, project, vendor, admin):
    invoice = make_invoice(company, project, admin)
    contact = grant(MembershipFactory(company=company).user, project, Level.STANDARD)
    with scope(company=company):
        PersonFactory(vendor=invoice.contract.vendor, email=contact.email, user=contact)
        invoice.contract.invoice_contacts.set(invoice.contract.vendor.people.all())
    client = client_for(contact)
    assert attach(client, invoice, a_png()).status_code == 302
    with scope(company=company):
        invoice_submit(invoice=invoice, acting_user=admin)
    assert attach(client, invoice, a_png()).status_code == 403
    assert len(attachments(invoice)) == 1


def test_read_only_users_see_attachments_but_do_not_attach(company, project, invoice, reader):
    assert attach(client_for(reader), invoice, a_png()).status_code == 403


def test_the_backup_is_the_invoice_then_its_attachments(
    invoice, admin_client, django_capture_on_commit_callbacks
):
    attach(admin_client, invoice, a_pdf(pages=2))
    attach(admin_client, invoice, a_png())
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"{invoice_url(invoice)}backup/", headers=HTMX)
    with scopes_disabled():
        document = InvoiceDocument.objects.get(kind=InvoiceDocument.Kind.BACKUP)
    assert document.status == InvoiceDocument.Status.READY
    assert document.download_name == "SC-5-backup-1.pdf"
    reader = downloaded(admin_client, document)
    # The invoice (G702 + G703), two pages of waiver, one page of ticket.
    assert len(reader.pages) == 2 + 2 + 1
    assert "Application and certificate for payment" in reader.pages[0].extract_text()
    assert titles(reader) == [
        "SC-5 application #1",
        "Attachment: waiver.pdf",
        "Attachment: delivery-ticket.png",
    ]
    # Asked again unchanged: the same backup; with one more attachment: a new one.
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"{invoice_url(invoice)}backup/", headers=HTMX)
        attach(admin_client, invoice, a_png())
        admin_client.post(f"{invoice_url(invoice)}backup/", headers=HTMX)
    with scopes_disabled():
        assert InvoiceDocument.objects.filter(kind=InvoiceDocument.Kind.BACKUP).count() == 2


def test_a_client_invoice_backup_carries_the_periods_approved_subcontractor_invoices(
    company, project, admin, admin_client, django_capture_on_commit_callbacks
):
    client_invoice = make_invoice(company, project, admin, kind=Contract.Kind.CLIENT)
    approved = make_invoice(company, project, admin, number="SC-6")
    draft = make_invoice(company, project, admin, number="SC-7")
    with scope(company=company):
        invoice_set_status(invoice=approved, status=Invoice.Status.APPROVED, acting_user=admin)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"{invoice_url(client_invoice)}backup/", headers=HTMX)
    with scopes_disabled():
        document = InvoiceDocument.objects.get(kind=InvoiceDocument.Kind.BACKUP)
    reader = downloaded(admin_client, document)
    parts = titles(reader)
    assert parts[0] == "SC-5 application #1"
    assert parts[1].startswith("SC-6") and not any(t.startswith("SC-7") for t in parts)
    assert draft.status == Invoice.Status.DRAFT


def test_an_image_too_large_to_decode_safely_is_refused(invoice, admin_client):
    output = BytesIO()
    Image.new("1", (10_000, 5_000)).save(output, "PNG")  # 50 megapixels, a small file
    response = attach(
        admin_client, invoice, SimpleUploadedFile("huge.png", output.getvalue(), "image/png")
    )
    assert "megapixels" in admin_client.get(response.url).content.decode()
    assert attachments(invoice) == []


def test_same_name_attachments_keep_their_own_files(
    company, invoice, admin_client, django_capture_on_commit_callbacks
):
    attach(admin_client, invoice, a_pdf(pages=1))
    attach(admin_client, invoice, a_pdf(pages=3))
    first, second = attachments(invoice)
    assert first.file.name != second.file.name
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"{invoice_url(invoice)}attachments/{first.pk}/delete/")
    assert not first.file.storage.exists(first.file.name)
    assert len(PdfReader(second.file.open("rb")).pages) == 3


def test_a_client_invoice_backup_needs_admin_on_commitments_too(company, project, admin):
    """It carries the subcontractor invoices (T1-5), whatever the client contract allows."""
    client_invoice = make_invoice(company, project, admin, kind=Contract.Kind.CLIENT)
    client_admin = grant(MembershipFactory(company=company).user, project, Level.NONE, Level.ADMIN)
    client = client_for(client_admin)
    assert "Backup" not in client.get(invoice_url(client_invoice)).content.decode()
    assert client.post(f"{invoice_url(client_invoice)}backup/").status_code == 403
