"""Invoice documents made by workers: asked for on a page, rendered by a task, offered when
ready. Asking twice for what would be the same file renders it once."""

import os
import signal
import time
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_scopes import scopes_disabled

from config.jobs import queue_now, queue_on_commit, republish
from tenancy.models import SweepRun

from . import backups, pdf, services, waiting_emails
from .models import DOCUMENT_STUCK_AFTER, InvoiceDocument

Status = InvoiceDocument.Status
# A render is cut off after RENDER_TIME_LIMIT (invoices.tasks); a claim older than this
# belongs to an attempt that died (its whole worker killed) and the sweep takes it over.
ABANDONED_AFTER = timedelta(minutes=10)
# A queued document nobody picked up in this long (the broker was down, or lost it) is
# queued again by the sweep.
QUEUED_GRACE = timedelta(minutes=2)
MAX_ATTEMPTS = 3
WORKER_STOPPED = "The worker stopped while making it"


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
        queue_on_commit(render_document, document.pk)
    elif _abandoned(document):
        queue_on_commit(render_document, document.pk)
    return document


def _abandoned(document):
    since = timezone.now() - ABANDONED_AFTER
    return (document.status == Status.QUEUED and document.queued_at < since) or (
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
    """Queue a failed or stuck document again, and the emails that failed with it. A
    worker still on a stuck one loses its claim and writes nothing."""
    from .tasks import render_document

    stuck_since = timezone.now() - DOCUMENT_STUCK_AFTER
    claimed = InvoiceDocument.objects.filter(
        Q(status=Status.FAILED)
        | Q(status=Status.QUEUED, queued_at__lt=stuck_since)
        | Q(status=Status.RENDERING, started_at__lt=stuck_since),
        pk=document.pk,
    ).update(status=Status.QUEUED, error="", attempts=0, claimed_by="", queued_at=timezone.now())
    if claimed:
        waiting_emails.emails_wait_again(document)
        queue_on_commit(render_document, document.pk)
    document.refresh_from_db()
    return document


def document_claim(document_id, *, attempt):
    """Take the document for this worker attempt (the task's id), unless it is done or
    another attempt has it: a task delivered twice renders once. The claim: what the
    worker's writes must still find (`_still_claimed`), or None.

    Every claim counts as an attempt, a redelivery too: a render that kills its worker
    each time (out of memory on a huge invoice) fails after MAX_ATTEMPTS, with a Retry
    on the page, instead of being redelivered for ever. A redelivery under the same id
    takes the claim over at once, and keeps its first time for the stuck and abandoned
    tests. That is safe: the job is redelivered while its attempt may still run only
    after a lost broker connection (a render outlives neither its hard time limit nor the
    visibility timeout, twice that), a render sends nothing, and the attempt that lost
    its claim writes nothing (the claim names the attempt's count). A retry reuses the
    id too, but only after its failure was recorded and the document queued again."""
    now = timezone.now()
    # A worker holds the document's id, not its company.
    with transaction.atomic(), scopes_disabled():
        document = (
            InvoiceDocument.objects.select_for_update()
            .filter(
                Q(status=Status.QUEUED)
                | Q(status=Status.RENDERING, claimed_by=attempt)
                | Q(status=Status.RENDERING, started_at__lt=now - ABANDONED_AFTER)
            )
            .filter(pk=document_id)
            .first()
        )
        if document is None:
            return None
        if document.attempts >= MAX_ATTEMPTS:  # each attempt so far died; so would this one
            _fail_stopped(document, now)
            return None
        taken_over = document.status == Status.RENDERING and document.claimed_by == attempt
        if not taken_over or document.started_at is None:
            document.started_at = now
        document.status, document.claimed_by = Status.RENDERING, attempt
        document.attempts += 1
        document.save(update_fields=["status", "claimed_by", "started_at", "attempts"])
    return {"claimed_by": attempt, "attempts": document.attempts}


def _fail_stopped(document, now):
    """The document's last attempt died and it has had all its attempts: it fails, with a
    Retry on the page, and the emails waiting for it fail with it."""
    document.status, document.error, document.finished_at = Status.FAILED, WORKER_STOPPED, now
    document.save(update_fields=["status", "error", "finished_at"])
    waiting_emails.emails_fail(document)


def _still_claimed(document, claim):
    """The document, locked, if this worker's claim on it still holds (nobody took over).
    Run within the document's company: only its own row is locked (`of`), not the rows the
    scope joins."""
    return (
        InvoiceDocument.objects.select_for_update(of=("self",))
        .filter(pk=document.pk, status=Status.RENDERING, **claim)
        .exists()
    )


def document_render(document, claim):
    """Render and store the file; the document points to it only once it is whole."""
    invoice, kind = document.invoice, document.kind
    content = _read(invoice, kind)
    # Tests make a render last long enough to kill the worker in the middle of it.
    time.sleep(getattr(settings, "TEST_RENDER_SECONDS", 0))
    if getattr(settings, "TEST_RENDER_KILLS_WORKER", False):
        os.kill(os.getpid(), signal.SIGKILL)
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
        waiting_emails.emails_release(document)


def document_failed(document, claim, error, *, final):
    """Record a failed attempt: queued again while retries remain, failed after the last."""
    with transaction.atomic():
        if not _still_claimed(document, claim):
            return
        # The attempt was counted when it claimed the document.
        document.error = f"{type(error).__name__}: {error}"[:2000]
        document.status = Status.FAILED if final else Status.QUEUED
        document.finished_at = timezone.now() if final else None
        document.save(update_fields=["error", "status", "finished_at"])
        if final:
            waiting_emails.emails_fail(document)


def documents_sweep():
    """Queue again the documents the broker never delivered, and those whose attempt died
    (after MAX_ATTEMPTS they fail, with a Retry, and so do the emails waiting for them).
    The number of documents queued again; that it ran is recorded for readiness."""
    from .tasks import render_document

    now = timezone.now()
    with scopes_disabled():  # the sweep spans every company
        rows = InvoiceDocument.objects
        again = []
        for document in rows.filter(status=Status.RENDERING, started_at__lt=now - ABANDONED_AFTER):
            with transaction.atomic():
                died = rows.select_for_update().filter(
                    pk=document.pk, status=Status.RENDERING, started_at=document.started_at
                )
                if not died.exists():  # it finished meanwhile
                    continue
                if document.attempts >= MAX_ATTEMPTS:  # attempts are counted when claimed
                    _fail_stopped(document, now)
                elif died.update(
                    status=Status.QUEUED, error=WORKER_STOPPED, claimed_by="", queued_at=now
                ):
                    again.append(document.pk)
        again += republish(rows.filter(status=Status.QUEUED), grace=QUEUED_GRACE, now=now)
    for document_id in again:
        queue_now(render_document, document_id)
    SweepRun.record("sweep_documents")  # readiness: beat runs (config/health.py)
    return len(again)
