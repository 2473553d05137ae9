import logging
import uuid
from datetime import timedelta
from smtplib import SMTPException, SMTPResponseException

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.utils import timezone

from config.smtp import ACCEPTED, HANDED_OVER

from . import emails

MAX_RETRIES = emails.MAX_ATTEMPTS - 1
# A delivery is a handful of exchanges of at most 20 s each (the SMTP timeout). Past this
# it is cut off (soft: recorded by the step reached), then killed (hard): well before
# SEND_DEADLINE (5 minutes), after which its claim may be taken over.
SEND_TIME_LIMIT = 170  # seconds
logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    max_retries=MAX_RETRIES,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=SEND_TIME_LIMIT,
    time_limit=SEND_TIME_LIMIT + 10,
)
def send_email(self, email_id):
    """Deliver one queued email, once (tenancy.emails). A failure before the message was
    handed over is retried with backoff; after it, the email is not confirmed."""
    email = emails.email_claim(email_id, attempt=self.request.id or uuid.uuid4().hex)
    if email is None:
        return
    try:
        _deliver(self, email)
    except emails.ClaimLost as lost:  # another attempt has it now: write nothing
        logger.warning("%s", lost)


def _deliver(self, email):
    email_id = email.pk
    try:
        message = _message(email)
    except Exception as error:  # it cannot be built (its attachment is gone): no retry helps
        logger.exception("Email %s cannot be built", email_id)
        emails.email_failed(email, error)
        return
    mailer = mailers.default
    mailer.report = lambda step: emails.email_step(email, step)  # only the SMTP one reports
    try:
        mailer.send_messages([message])
    except (SMTPException, OSError, SoftTimeLimitExceeded) as error:
        if email.step == ACCEPTED:  # taken; only saying goodbye failed
            emails.email_sent(email)
        elif email.step == HANDED_OVER and not isinstance(error, SMTPResponseException):
            # Handed over, then a timeout or a dropped line: the server may have it.
            logger.warning("Email %s not confirmed: %s", email_id, error)
            emails.email_unconfirmed(email, error)
        elif (
            self.request.retries >= MAX_RETRIES
            or email.attempts >= emails.MAX_ATTEMPTS
            or self.request.is_eager
        ):
            # Inline (the embedded default) nothing would retry it later.
            emails.email_failed(email, error)
        else:
            countdown = min(5 * 2**self.request.retries, 300)
            emails.email_failed(
                email, error, retry_at=timezone.now() + timedelta(seconds=countdown)
            )
            raise self.retry(exc=error, countdown=countdown) from error
        return
    emails.email_sent(email)


@shared_task
def sweep_emails():
    """Beat, every minute: emails the broker never delivered, and attempts that died."""
    emails.emails_sweep()


def _message(email):
    message = EmailMultiAlternatives(
        email.subject, email.body, settings.DEFAULT_FROM_EMAIL, [email.to]
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    if email.attachment:
        with email.attachment.open("rb") as file:
            message.attach(email.attachment_name, file.read(), "application/pdf")
    return message
