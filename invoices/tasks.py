import logging
import uuid

from celery import shared_task
from django_scopes import scope, scopes_disabled

from . import digest, documents, reminders
from .models import InvoiceDocument

MAX_RETRIES = 2
RETRY_DELAY = 5  # seconds, doubled at each retry
# The largest render measured, a 2,000-line PDF, takes about 20 s; past this a render is
# cut off and recorded as a failed attempt. The broker's visibility timeout (settings)
# is twice the hard limit, so a job is never handed out again while it may still run.
RENDER_TIME_LIMIT = 300
logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    max_retries=MAX_RETRIES,
    acks_late=True,
    # A worker child killed mid-render (out of memory, kill -9) puts the job back at once;
    # its redelivery, under the same task id, takes the dead attempt's claim over.
    reject_on_worker_lost=True,
    soft_time_limit=RENDER_TIME_LIMIT,
    time_limit=RENDER_TIME_LIMIT + 30,
)
def render_document(self, document_id):
    """Render one invoice document. Idempotent: a document that is done, or that another
    worker attempt is rendering, is left alone; a failure is recorded, retried, then shown."""
    claim = documents.document_claim(document_id, attempt=self.request.id or uuid.uuid4().hex)
    if claim is None:
        return
    with scopes_disabled():
        document = InvoiceDocument.objects.select_related(
            "invoice__contract__project__company"
        ).get(pk=document_id)
    with scope(company=document.invoice.contract.project.company):
        try:
            documents.document_render(document, claim)
        except Exception as error:
            # Inline (the embedded default, no worker) nothing would retry it later.
            # A document whose earlier attempts died has fewer retries left.
            final = (
                self.request.retries >= MAX_RETRIES
                or document.attempts >= documents.MAX_ATTEMPTS
                or self.request.is_eager
            )
            documents.document_failed(document, claim, error, final=final)
            if final:  # recorded on the document, where admins see it and can retry
                logger.exception("Rendering document %s failed", document_id)
                return
            raise self.retry(exc=error, countdown=RETRY_DELAY * 2**self.request.retries) from error


@shared_task
def sweep_documents():
    """Beat, every minute: documents the broker never delivered, and attempts that died."""
    with scopes_disabled():
        documents.documents_sweep()


@shared_task
def send_reminders():
    """Beat, every hour: the reminders due today (docs/invite-to-bill.md). Hourly so that
    a beat that was down catches up the same day; the constraint keeps it to one a day."""
    reminders.reminders_send()


@shared_task
def send_digests():
    """Beat, every hour: the weekly digests due today, once a week (DigestRun)."""
    digest.digests_send()
