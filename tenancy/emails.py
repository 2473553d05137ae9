"""Account emails: rendered when queued, delivered by the worker after commit."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

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


def queue_email(*, to, subject_template, body_template, context):
    subject = "".join(render_to_string(subject_template, context).splitlines())
    body = render_to_string(body_template, context)
    send_email.delay_on_commit(subject, body, [to])


def send_welcome_email(*, user, company, invited_by):
    """Tell a user added to a company where to set their password and log in."""
    queue_email(
        to=user.email,
        subject_template="registration/welcome_subject.txt",
        body_template="registration/welcome_email.txt",
        context={
            "user": user,
            "company": company,
            "invited_by": invited_by,
            "password_link": password_link(user),
            "login_link": absolute_url(reverse("login")),
        },
    )
