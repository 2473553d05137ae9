"""Emails: rendered when queued, delivered by a worker after commit, once.

Delivery goes by steps recorded on the row (OutgoingEmail.Step): claimed by one worker
attempt, connected, recipient accepted, message handed over, accepted. An attempt that
fails or dies before the message was handed over is tried again automatically. Once it
was handed over, a timeout or a dead worker leaves the email "not confirmed": the server
may have it, so it is never sent again on its own; an admin may resend it deliberately.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_scopes import scopes_disabled

from config.jobs import queue_now, queue_on_commit, republish

from .models import OutgoingEmail, SweepRun

Status, Step = OutgoingEmail.Status, OutgoingEmail.Step
# A queued email nobody picked up in this long (the broker was down, or lost it) is
# queued again by the sweep; a worker takes seconds to pick one up.
QUEUED_GRACE = timedelta(minutes=2)
# Longer than any one attempt can last: send_email is killed at its hard time limit
# (tenancy.tasks.SEND_TIME_LIMIT, 3 minutes), so an attempt claimed this long ago is over.
SEND_DEADLINE = timedelta(minutes=5)
# Claims an email may have, retries and redeliveries alike (send_email retries a failure
# before the hand-over up to six times): then it fails instead of looping.
MAX_ATTEMPTS = 7
WORKER_STOPPED = "The worker stopped after handing the message to the mail server"
WORKER_DIED = "Not sent: every attempt stopped before the message was handed over"


class ClaimLost(Exception):
    """This attempt no longer holds the email's claim (it passed its deadline and the
    sweep gave the email to another attempt): it must not go on with the delivery."""


def absolute_url(path):
    """A link for an email: emails are built outside any request, so no Host header."""
    return settings.SITE_URL.rstrip("/") + path


def password_link(user):
    """An absolute link where the user sets a new password; it dies once used."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return absolute_url(path)


def queue_email(
    *,
    to,
    subject_template,
    body_template,
    context,
    company=None,
    waiting=False,
    html_template=None,
):
    """Write the email and queue its delivery once this transaction commits. `waiting`:
    it is sent when its attachment is (release_email). `html_template`: an HTML part
    beside the plain text (autoescaped, as every template)."""
    email = OutgoingEmail.objects.create(
        company=company,
        to=to,
        subject="".join(render_to_string(subject_template, context).splitlines())[:300],
        body=render_to_string(body_template, context),
        html_body=render_to_string(html_template, context) if html_template else "",
        status=OutgoingEmail.Status.WAITING if waiting else OutgoingEmail.Status.QUEUED,
    )
    if not waiting:
        _queue(email)
    return email


def release_email(email, *, attachment, name):
    """Attach the file an email waited for and queue it."""
    email.attachment.name = attachment.name  # the stored file itself, not a copy
    email.attachment_name = name
    email.status = OutgoingEmail.Status.QUEUED
    email.queued_at = timezone.now()
    email.save(update_fields=["attachment", "attachment_name", "status", "queued_at"])
    _queue(email)


def _queue(email):
    from .tasks import send_email

    queue_on_commit(send_email, email.pk)


def send_welcome_email(*, user, company, invited_by):
    """Tell a user added to a company where to set their password and log in."""
    queue_email(
        to=user.email,
        subject_template="registration/welcome_subject.txt",
        body_template="registration/welcome_email.txt",
        company=company,
        context={
            "user": user,
            "company": company,
            "invited_by": invited_by,
            "password_link": password_link(user),
            "login_link": absolute_url(reverse("login")),
        },
    )


def email_claim(email_id, *, attempt):
    """Take the email for this worker attempt (the task's id): the email, or None when it
    is not this attempt's to send (sent, failed, waiting, another attempt's).

    Every claim counts as an attempt; after MAX_ATTEMPTS the email fails. The broker may
    deliver a job again under the same id while its first attempt still runs (a lost
    broker connection puts unacknowledged jobs back), so that attempt's claim is taken
    over only once past SEND_DEADLINE, when send_email's hard time limit has ended it;
    before that the sweep settles it. What the dead attempt left then decides: before the
    hand-over it is sent now; after, it is not confirmed; once accepted, it was sent."""
    now = timezone.now()
    # A worker holds the email's id, not its company (an email may have none: a sign-up's).
    with transaction.atomic(), scopes_disabled():
        email = (
            OutgoingEmail.objects.select_for_update()
            .filter(pk=email_id, status__in=[Status.QUEUED, Status.SENDING])
            .first()
        )
        if email is None:
            return None
        if email.status == Status.SENDING:
            if email.claimed_by != attempt or email.claimed_at >= now - SEND_DEADLINE:
                return None  # another attempt's, or one that may still be sending
            if email.step == Step.ACCEPTED:
                _settle(email, status=Status.SENT, sent_at=now)
                return None
            if email.step not in (Step.CLAIMED, Step.CONNECTED, Step.RECIPIENT):
                _settle(email, status=Status.UNCONFIRMED, error=WORKER_STOPPED)
                return None
        if email.attempts >= MAX_ATTEMPTS:
            _settle(email, status=Status.FAILED, error=_gave_up(email))
            return None
        _settle(
            email,
            status=Status.SENDING,
            step=Step.CLAIMED,
            claimed_by=attempt,
            claimed_at=now,
            attempts=email.attempts + 1,
        )
    return email


def _settle(email, **fields):
    for name, value in fields.items():
        setattr(email, name, value)
    email.save(update_fields=list(fields))


def _gave_up(email):
    return f"{WORKER_DIED} ({email.attempts} attempts). {email.error}".strip()[:2000]


def email_step(email, step):
    """Record how far this attempt's delivery got, while the claim is still its own; else
    ClaimLost, so that an attempt overtaken by another never hands the message over."""
    if not _claimed(email).update(step=step):
        raise ClaimLost(f"Email {email.pk}: attempt {email.claimed_by} lost its claim")
    email.step = step


def _claimed(email):
    """The row, while this very attempt holds its claim: a redelivery under the same task
    id is a later attempt, told apart by its count."""
    with scopes_disabled():  # a worker or the sweep holds the email, not its company
        return OutgoingEmail.objects.filter(
            pk=email.pk,
            status=Status.SENDING,
            claimed_by=email.claimed_by,
            attempts=email.attempts,
        )


def email_sent(email):
    _finish(email, status=Status.SENT, sent_at=timezone.now(), error="")


def email_unconfirmed(email, error):
    """Handed over, then no answer: the server may have it. Never retried on its own."""
    _finish(email, status=Status.UNCONFIRMED, error=_describe(error))


def email_failed(email, error, *, retry_at=None):
    """A failed attempt before the message was handed over: due again at `retry_at`,
    or failed for good without one."""
    if retry_at is None:
        _finish(email, status=Status.FAILED, error=_describe(error))
    else:
        _finish(
            email, status=Status.QUEUED, error=_describe(error), queued_at=retry_at, claimed_by=""
        )


def _finish(email, **fields):
    _claimed(email).update(**fields)


def _describe(error):
    return f"{type(error).__name__}: {error}"[:2000]


def email_resend(*, email):
    """An admin sends a not-confirmed email again, deliberately (it may arrive twice).
    True when it is queued; False when it is not in that state (sent, or already on its
    way). A failed one is not offered: its cause (a PDF that could not be made, an
    address refused) is put right where it lies, e.g. the document's Retry."""
    resent = OutgoingEmail.objects.filter(pk=email.pk, status=Status.UNCONFIRMED).update(
        status=Status.QUEUED,
        step="",
        claimed_by="",
        error="",
        attempts=0,
        queued_at=timezone.now(),
    )
    if resent:
        _queue(email)
    email.refresh_from_db()
    return bool(resent)


def emails_sweep():
    """Queue again the emails that never reached a worker, and settle the attempts that
    died: before the hand-over they are sent again, after it they are not confirmed.
    The number of emails queued again; that it ran is recorded for readiness."""
    now = timezone.now()
    with scopes_disabled():  # the sweep spans every company
        rows = OutgoingEmail.objects
        dead = rows.filter(status=Status.SENDING, claimed_at__lt=now - SEND_DEADLINE)
        dead.filter(step=Step.ACCEPTED).update(status=Status.SENT, sent_at=now)
        dead.filter(step__in=[Step.HANDED_OVER, Step.NONE]).update(
            status=Status.UNCONFIRMED, error=WORKER_STOPPED
        )
        again = []
        for email in dead.filter(step__in=[Step.CLAIMED, Step.CONNECTED, Step.RECIPIENT]):
            # Conditional: an attempt that moved on meanwhile keeps its email.
            still = _claimed(email).filter(step__in=[Step.CLAIMED, Step.CONNECTED, Step.RECIPIENT])
            if email.attempts >= MAX_ATTEMPTS:
                still.update(status=Status.FAILED, error=_gave_up(email))
            elif still.update(status=Status.QUEUED, step="", claimed_by="", queued_at=now):
                again.append(email.pk)
        again += republish(rows.filter(status=Status.QUEUED), grace=QUEUED_GRACE, now=now)
    from .tasks import send_email

    for email_id in again:
        queue_now(send_email, email_id)
    SweepRun.record("sweep_emails")  # readiness: beat runs (config/health.py)
    return len(again)
