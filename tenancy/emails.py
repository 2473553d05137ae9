"""Account emails: rendered when queued, delivered by the worker after commit."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import OutgoingEmail
from .tasks import send_email


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


def queue_email(*, to, subject_template, body_template, context, company=None, waiting=False):
    """Write the email and queue its delivery once this transaction commits. `waiting`:
    it is sent when its attachment is (release_email)."""
    email = OutgoingEmail.objects.create(
        company=company,
        to=to,
        subject="".join(render_to_string(subject_template, context).splitlines())[:300],
        body=render_to_string(body_template, context),
        status=OutgoingEmail.Status.WAITING if waiting else OutgoingEmail.Status.QUEUED,
    )
    if not waiting:
        send_email.delay_on_commit(email.pk)
    return email


def release_email(email, *, attachment, name):
    """Attach the file an email waited for and queue it."""
    email.attachment.name = attachment.name  # the stored file itself, not a copy
    email.attachment_name = name
    email.status = OutgoingEmail.Status.QUEUED
    email.save(update_fields=["attachment", "attachment_name", "status"])
    send_email.delay_on_commit(email.pk)


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
