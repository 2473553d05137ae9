import logging
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F
from django.utils import timezone

from .models import OutgoingEmail

Status = OutgoingEmail.Status
MAX_RETRIES = 6
logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
def send_email(self, email_id):
    """Deliver one queued email, once: see OutgoingEmail. Refused deliveries are retried
    with backoff; the last failure is recorded on the email."""
    claimed = OutgoingEmail._base_manager.filter(pk=email_id, status=Status.QUEUED).update(
        status=Status.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:  # sent, failed, waiting, or another worker has it
        return
    email = OutgoingEmail._base_manager.get(pk=email_id)
    try:
        message = _message(email)
    except Exception as error:  # it cannot be built (its attachment is gone): no retry helps
        logger.exception("Email %s cannot be built", email_id)
        _record_failure(email, error, final=True)
        return
    try:
        message.send()
    except (SMTPException, OSError) as error:
        # Inline (the embedded default) nothing would retry it later.
        final = self.request.retries >= MAX_RETRIES or self.request.is_eager
        _record_failure(email, error, final=final)
        if not final:
            raise self.retry(exc=error, countdown=min(5 * 2**self.request.retries, 300)) from error
        return
    email.status, email.sent_at, email.error = Status.SENT, timezone.now(), ""
    email.save(update_fields=["status", "sent_at", "error"])


def _message(email):
    message = EmailMessage(email.subject, email.body, settings.DEFAULT_FROM_EMAIL, [email.to])
    if email.attachment:
        with email.attachment.open("rb") as file:
            message.attach(email.attachment_name, file.read(), "application/pdf")
    return message


def _record_failure(email, error, *, final):
    email.status = Status.FAILED if final else Status.QUEUED
    email.error = f"{type(error).__name__}: {error}"[:2000]
    email.save(update_fields=["status", "error"])
