"""Backups of an invoice (docs/documents.md): the files attached to it, checked on the way in, and
the compiled backup: one PDF of the invoice, its attachments and, for a client invoice,
the period's approved subcontractor invoices, merged with pypdf."""

import hashlib
from io import BytesIO

from django.core.exceptions import ValidationError
from django.db import transaction
from PIL import Image
from pypdf import PdfReader, PdfWriter

from billing.fieldsets import field_rules
from contracts.models import Contract
from tenancy.uploads import IMAGE_TYPES, image_format

from . import pdf
from .models import Invoice, InvoiceAttachment

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENTS = 50
MAX_IMAGE_PIXELS = 40_000_000  # a 40-megapixel photo; decoded, about 120 MB
APPROVED = (Invoice.Status.APPROVED, Invoice.Status.APPROVED_AS_NOTED)
EMPTY_FILE = "The file is empty."
TOO_BIG = f"Files are at most {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB each."


def checked_upload(upload):
    """The one check of every uploaded document (invoice and payment attachments, sub-tier
    waivers, compliance documents; docs/documents.md): not empty, at most 20 MB, a PDF, a
    PNG or a JPEG read from its bytes. Its content type, else a ValidationError (codes
    "empty", "too_big", or the type's). Forms use it as a validator (invoices.forms.
    UploadField) and services again, for every caller; the type is kept on the upload so
    its bytes are read and parsed once."""
    known = getattr(upload, "checked_content_type", None)
    if known:
        return known
    if upload is None or not upload.size:
        raise ValidationError(EMPTY_FILE, code="empty")
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(TOO_BIG, code="too_big")
    content = upload.read()
    upload.seek(0)
    upload.checked_content_type = sniffed_type(content)
    return upload.checked_content_type


@transaction.atomic
def attachment_add(*, invoice, upload, uploaded_by):
    """Attach an uploaded PDF or image to the invoice; anything else is refused."""
    content_type = checked_upload(upload)
    if invoice.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError(f"An invoice holds at most {MAX_ATTACHMENTS} attachments.")
    return InvoiceAttachment.objects.create(
        invoice=invoice,
        file=upload,
        name=upload.name[-200:],
        content_type=content_type,
        size=upload.size,
        uploaded_by=uploaded_by,
    )


def sniffed_type(content):
    """The file's type from its bytes, not its name: a readable PDF, a PNG or a JPEG."""
    if content.startswith(b"%PDF-"):
        try:
            reader = PdfReader(BytesIO(content))
            if reader.is_encrypted:
                raise ValidationError("This PDF is protected by a password.")
            pages = len(reader.pages)
        except ValidationError:
            raise
        except Exception as error:  # pypdf raises many kinds on a damaged file
            raise ValidationError("This PDF cannot be read.") from error
        if not pages:
            raise ValidationError("This PDF has no pages.")
        return "application/pdf"
    try:
        return IMAGE_TYPES[image_format(content, MAX_IMAGE_PIXELS)]
    except ValidationError as error:
        if error.code == "size":
            raise
        opens = " that opens" if error.code == "damaged" else ""
        raise ValidationError(f"Attach a PDF, a PNG or a JPEG{opens}.") from error


@transaction.atomic
def attachment_delete(*, attachment):
    file = attachment.file
    attachment.delete()
    transaction.on_commit(lambda: file.storage.delete(file.name))


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


def backup_parts(invoice):
    """What the backup holds, read once: the invoice's PDF context, its attachments, and
    the PDF contexts of the subcontractor invoices it carries. Attachments the project's
    fieldsets hide are kept on the invoice, not compiled (docs/invoices.md, "Fieldsets")."""
    shown = field_rules(invoice.contract.project_id).shown["attachments"]
    return {
        "invoice": pdf.pdf_context(invoice),
        "attachments": list(invoice.attachments.all()) if shown else [],
        "subcontractor": [pdf.pdf_context(sub) for sub in subcontractor_invoices(invoice)],
    }


def fingerprint(parts):
    """A digest of everything the backup holds: equal digests, equal files."""
    digests = [pdf.fingerprint(parts["invoice"])]
    digests += [f"{a.pk}:{a.size}:{a.file.name}" for a in parts["attachments"]]
    digests += [pdf.fingerprint(context) for context in parts["subcontractor"]]
    return hashlib.sha256("\n".join(digests).encode()).hexdigest()


def render_backup(parts):
    """The backup as PDF bytes, with a bookmark for each part."""
    writer = PdfWriter()
    invoice = parts["invoice"]["invoice"]
    writer.append(
        BytesIO(pdf.render_pdf(parts["invoice"])),
        outline_item=f"{invoice.contract.number} application #{invoice.number}",
    )
    for attachment in parts["attachments"]:
        writer.append(_as_pdf(attachment), outline_item=f"Attachment: {attachment.name}")
    for context in parts["subcontractor"]:
        sub, contract = context["invoice"], context["contract"]
        writer.append(
            BytesIO(pdf.render_pdf(context)),
            outline_item=f"{contract.number} {contract.party or ''} #{sub.number}",
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
