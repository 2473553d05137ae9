"""Backups of an invoice (SPEC §8): the files attached to it, checked on the way in, and
the compiled backup: one PDF of the invoice, its attachments and, for a client invoice,
the period's approved subcontractor invoices, merged with pypdf."""

import hashlib
from io import BytesIO

from django.core.exceptions import ValidationError
from django.db import transaction
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError

from contracts.models import Contract

from . import pdf
from .models import Invoice, InvoiceAttachment

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
APPROVED = (Invoice.Status.APPROVED, Invoice.Status.APPROVED_AS_NOTED)


@transaction.atomic
def attachment_add(*, invoice, upload, uploaded_by):
    """Attach an uploaded PDF or image to the invoice; anything else is refused."""
    if not upload.size:
        raise ValidationError("The file is empty.")
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError("Attachments are at most 20 MB each.")
    content = upload.read()
    upload.seek(0)
    return InvoiceAttachment.objects.create(
        invoice=invoice,
        file=upload,
        name=upload.name[-200:],
        content_type=_sniffed_type(content),
        size=upload.size,
        uploaded_by=uploaded_by,
    )


def _sniffed_type(content):
    """The file's type from its bytes, not its name: a readable PDF, a PNG or a JPEG."""
    if content.startswith(b"%PDF-"):
        try:
            reader = PdfReader(BytesIO(content))
            if reader.is_encrypted or not reader.pages:
                raise ValidationError("This PDF is protected or has no pages.")
        except PdfReadError as error:
            raise ValidationError("This PDF cannot be read.") from error
        return "application/pdf"
    try:
        with Image.open(BytesIO(content)) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ValidationError("Attach a PDF, a PNG or a JPEG.") from error
    if kind not in IMAGE_TYPES:
        raise ValidationError("Attach a PDF, a PNG or a JPEG.")
    return IMAGE_TYPES[kind]


@transaction.atomic
def attachment_delete(*, attachment):
    attachment.file.delete(save=False)
    attachment.delete()


def subcontractor_invoices(invoice):
    """For a client invoice, the period's approved subcontractor invoices; else none."""
    if invoice.contract.is_commitment:
        return []
    return list(
        Invoice.objects.filter(
            period=invoice.period_id,
            contract__project=invoice.contract.project_id,
            status__in=APPROVED,
        )
        .exclude(contract__kind=Contract.Kind.CLIENT)
        .select_related("contract__project__company")
        .order_by("contract__number")
    )


def fingerprint(invoice):
    """A digest of everything the backup holds: equal digests, equal files."""
    parts = [pdf.fingerprint(pdf.pdf_context(invoice))]
    parts += [f"{a.pk}:{a.size}:{a.file.name}" for a in invoice.attachments.all()]
    parts += [pdf.fingerprint(pdf.pdf_context(sub)) for sub in subcontractor_invoices(invoice)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def render_backup(invoice):
    """The backup as PDF bytes, with a bookmark for each part."""
    writer = PdfWriter()
    contract = invoice.contract
    writer.append(
        BytesIO(pdf.render_pdf(pdf.pdf_context(invoice))),
        outline_item=f"{contract.number} application #{invoice.number}",
    )
    for attachment in invoice.attachments.all():
        writer.append(_as_pdf(attachment), outline_item=f"Attachment: {attachment.name}")
    for sub in subcontractor_invoices(invoice):
        writer.append(
            BytesIO(pdf.render_pdf(pdf.pdf_context(sub))),
            outline_item=f"{sub.contract.number} {sub.contract.party or ''} #{sub.number}",
        )
    output = BytesIO()
    writer.write(output)
    return output.getvalue()


def _as_pdf(attachment):
    with attachment.file.open("rb") as file:
        content = file.read()
    if attachment.content_type == "application/pdf":
        return BytesIO(content)
    page = BytesIO()
    with Image.open(BytesIO(content)) as image:
        image.convert("RGB").save(page, "PDF", resolution=100)
    page.seek(0)
    return page
