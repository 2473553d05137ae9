"""Invoice documents made by workers: asked for on a page, rendered by a task, offered when
ready. Asking twice for what would be the same file renders it once."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from . import backups, pdf, sending
from .models import Invoice, InvoiceDocument

Status = InvoiceDocument.Status
# A render that claimed a document this long ago and never finished died with its worker.
ABANDONED_AFTER = timedelta(minutes=10)


@transaction.atomic
def document_request(*, invoice, kind, requested_by):
    """The invoice's document of this kind as it would be now: the one already made (or
    being made) from the same content, else a new one, queued for a worker on commit."""
    from .tasks import render_document

    # One asker at a time per invoice, so that two clicks make one document.
    Invoice._base_manager.select_for_update().only("pk").get(pk=invoice.pk)
    fingerprint = _fingerprint(invoice, kind)
    document = (
        invoice.documents.filter(kind=kind, fingerprint=fingerprint)
        .exclude(status=Status.FAILED)
        .first()
    )
    if document is None:
        document = InvoiceDocument.objects.create(
            invoice=invoice, kind=kind, fingerprint=fingerprint, requested_by=requested_by
        )
        render_document.delay_on_commit(document.pk)
    return document


def invoice_pdf_request(*, invoice, requested_by):
    return document_request(
        invoice=invoice, kind=InvoiceDocument.Kind.PDF, requested_by=requested_by
    )


def _fingerprint(invoice, kind):
    if kind == InvoiceDocument.Kind.BACKUP:
        return backups.fingerprint(invoice)
    return pdf.fingerprint(pdf.pdf_context(invoice))


@transaction.atomic
def document_retry(*, document):
    """Queue a failed document again."""
    from .tasks import render_document

    claimed = InvoiceDocument.objects.filter(pk=document.pk, status=Status.FAILED).update(
        status=Status.QUEUED, error="", attempts=0
    )
    if claimed:
        render_document.delay_on_commit(document.pk)
    document.refresh_from_db()
    return document


def document_claim(document_id):
    """Take the document for rendering, unless it is done or another worker has it: a
    task delivered twice renders once. A claim left by a dead worker is taken over."""
    now = timezone.now()
    queued = InvoiceDocument._base_manager.filter(pk=document_id, status=Status.QUEUED)
    abandoned = InvoiceDocument._base_manager.filter(
        pk=document_id, status=Status.RENDERING, started_at__lt=now - ABANDONED_AFTER
    )
    return bool((queued | abandoned).update(status=Status.RENDERING, started_at=now))


def document_render(document):
    """Render and store the file; the document points to it only once it is whole."""
    invoice = document.invoice
    if document.kind == InvoiceDocument.Kind.BACKUP:
        content = backups.render_backup(invoice)
    else:
        content = pdf.render_pdf(pdf.pdf_context(invoice))
    document.file.save(document.download_name, ContentFile(content), save=False)
    # What was rendered, if it moved since the request.
    document.fingerprint = _fingerprint(invoice, document.kind)
    document.status = Status.READY
    document.finished_at = timezone.now()
    document.error = ""
    with transaction.atomic():
        document.save(update_fields=["file", "fingerprint", "status", "finished_at", "error"])
        sending.emails_release(document)


def document_failed(document, error, *, final):
    """Record a failed attempt: queued again while retries remain, failed after the last."""
    document.attempts += 1
    document.error = f"{type(error).__name__}: {error}"[:2000]
    document.status = Status.FAILED if final else Status.QUEUED
    document.finished_at = timezone.now() if final else None
    with transaction.atomic():
        document.save(update_fields=["attempts", "error", "status", "finished_at"])
        if final:
            sending.emails_fail(document)
