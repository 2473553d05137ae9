"""Invoice documents made by workers: asked for on a page, rendered by a task, offered when
ready. Asking twice for what would be the same file renders it once."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from . import backups, pdf, sending, services
from .models import InvoiceDocument

Status = InvoiceDocument.Status
# A document queued or claimed this long ago and not finished lost its task or its worker.
ABANDONED_AFTER = timedelta(minutes=10)


@transaction.atomic
def document_request(*, invoice, kind, requested_by):
    """The invoice's document of this kind as it would be now: the one already made (or
    being made) from the same content, else a new one, queued for a worker on commit.

    The invoice row stays locked until the caller's transaction ends: two clicks make one
    document, and a worker cannot finish it unseen by what the caller adds (sending)."""
    from .tasks import render_document

    services.invoice_lock(invoice.pk)
    fingerprint = _digest(kind, _read(invoice, kind))
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
    elif _abandoned(document):
        render_document.delay_on_commit(document.pk)
    return document


def _abandoned(document):
    since = timezone.now() - ABANDONED_AFTER
    return (document.status == Status.QUEUED and document.requested_at < since) or (
        document.status == Status.RENDERING and document.started_at < since
    )


def _read(invoice, kind):
    """What a document of this kind shows, read once: its digest and its file both come
    from this."""
    if kind == InvoiceDocument.Kind.BACKUP:
        return backups.backup_parts(invoice)
    return pdf.pdf_context(invoice)


def _digest(kind, content):
    if kind == InvoiceDocument.Kind.BACKUP:
        return backups.fingerprint(content)
    return pdf.fingerprint(content)


def _render(kind, content):
    if kind == InvoiceDocument.Kind.BACKUP:
        return backups.render_backup(content)
    return pdf.render_pdf(content)


@transaction.atomic
def document_retry(*, document):
    """Queue a failed document again, and the emails that failed with it."""
    from .tasks import render_document

    claimed = InvoiceDocument.objects.filter(pk=document.pk, status=Status.FAILED).update(
        status=Status.QUEUED, error="", attempts=0, requested_at=timezone.now()
    )
    if claimed:
        sending.emails_wait_again(document)
        render_document.delay_on_commit(document.pk)
    document.refresh_from_db()
    return document


def document_claim(document_id):
    """Take the document for rendering, unless it is done or another worker has it: a task
    delivered twice renders once. A claim or a queue entry left behind is taken over.
    The result: the claim's time, which the worker's writes must still find, or None."""
    now = timezone.now()
    waiting = InvoiceDocument._base_manager.filter(pk=document_id, status=Status.QUEUED)
    abandoned = InvoiceDocument._base_manager.filter(
        pk=document_id, status=Status.RENDERING, started_at__lt=now - ABANDONED_AFTER
    )
    claimed = (waiting | abandoned).update(status=Status.RENDERING, started_at=now)
    return now if claimed else None


def _still_claimed(document, claim):
    """The document, locked, if this worker's claim on it still holds (nobody took over)."""
    return (
        InvoiceDocument._base_manager.select_for_update()
        .filter(pk=document.pk, status=Status.RENDERING, started_at=claim)
        .exists()
    )


def document_render(document, claim):
    """Render and store the file; the document points to it only once it is whole."""
    invoice, kind = document.invoice, document.kind
    content = _read(invoice, kind)
    document.file.save(document.download_name, ContentFile(_render(kind, content)), save=False)
    with transaction.atomic():
        services.invoice_lock(invoice.pk)  # waits for a request adding emails to it
        if not _still_claimed(document, claim):
            document.file.delete(save=False)
            return
        document.fingerprint = _digest(kind, content)
        document.status = Status.READY
        document.finished_at = timezone.now()
        document.error = ""
        document.save(update_fields=["file", "fingerprint", "status", "finished_at", "error"])
        sending.emails_release(document)


def document_failed(document, claim, error, *, final):
    """Record a failed attempt: queued again while retries remain, failed after the last."""
    with transaction.atomic():
        if not _still_claimed(document, claim):
            return
        document.attempts += 1
        document.error = f"{type(error).__name__}: {error}"[:2000]
        document.status = Status.FAILED if final else Status.QUEUED
        document.finished_at = timezone.now() if final else None
        document.save(update_fields=["attempts", "error", "status", "finished_at"])
        if final:
            sending.emails_fail(document)
