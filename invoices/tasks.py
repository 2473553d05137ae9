import logging

from celery import shared_task
from django_scopes import scope, scopes_disabled

from . import documents
from .models import InvoiceDocument

MAX_RETRIES = 2
RETRY_DELAY = 5  # seconds, doubled at each retry
logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
def render_document(self, document_id):
    """Render one invoice document. Idempotent: a document that is done, or that another
    worker is rendering, is left alone; a failure is recorded, retried, then shown."""
    claim = documents.document_claim(document_id)
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
            final = self.request.retries >= MAX_RETRIES or self.request.is_eager
            documents.document_failed(document, claim, error, final=final)
            if final:  # recorded on the document, where admins see it and can retry
                logger.exception("Rendering document %s failed", document_id)
                return
            raise self.retry(exc=error, countdown=RETRY_DELAY * 2**self.request.retries) from error
