"""Expiry reminders (docs/compliance.md): the vendor's contacts are emailed, through the
outbox, 30 and 7 days before a document expires and on the day it does. Once per document
and threshold: an ExpiryReminder row records each, and its constraint refuses a second."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from tenancy.emails import queue_email
from tenancy.models import SweepRun

from .models import ComplianceDocument, ExpiryReminder

THRESHOLDS = (30, 7, 0)  # days before expiry; 0 is the day itself


def _due_threshold(document, today):
    """The most pressing threshold the document has reached, or None."""
    left = (document.expires_on - today).days
    reached = [t for t in THRESHOLDS if left <= t]
    return min(reached) if reached else None


def _superseded(document):
    """A later document of the same type and scope lasts longer: nothing to remind."""
    return (
        ComplianceDocument.objects.filter(
            vendor=document.vendor_id,
            contract=document.contract_id,
            document_type=document.document_type_id,
        )
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gt=document.expires_on))
        .exists()
    )


def reminders_send(today=None):
    """The beat job: the number of reminders sent. A job that missed days catches up with
    the most pressing threshold alone, and marks the earlier ones as passed."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=max(THRESHOLDS))
    # The job spans companies: list the documents unscoped, then work in each document's
    # company scope (docs/tenancy.md). Documents long expired were reminded once already.
    with scopes_disabled():
        documents = list(
            ComplianceDocument.objects.filter(
                expires_on__isnull=False,
                expires_on__lte=horizon,
                expires_on__gte=today - timedelta(days=max(THRESHOLDS)),
            )
            .exclude(reminders__threshold=0)
            .select_related("company", "vendor", "contract__project", "document_type")
            .order_by("pk")
        )
    sent = 0
    for document in documents:
        with scope(company=document.company):
            sent += _remind(document, today)
    SweepRun.record("send_expiry_reminders")  # when it last ran (tests wait on it)
    return sent


def _remind(document, today):
    threshold = _due_threshold(document, today)
    if threshold is None or _superseded(document):
        return 0
    passed = [t for t in THRESHOLDS if t >= threshold]
    try:
        with transaction.atomic():
            ExpiryReminder.objects.create(document=document, threshold=threshold)
            ExpiryReminder.objects.bulk_create(
                [ExpiryReminder(document=document, threshold=t) for t in passed if t != threshold],
                ignore_conflicts=True,
            )
            recipients = _recipients(document.vendor)
            for to in recipients:
                queue_email(
                    to=to,
                    subject_template="compliance/emails/expiry_subject.txt",
                    body_template="compliance/emails/expiry.txt",
                    company=document.company,
                    context={
                        "document": document,
                        "company": document.company,
                        "vendor": document.vendor,
                        "days": (document.expires_on - today).days,
                        "threshold": threshold,
                    },
                )
    except IntegrityError:  # reminded already at this threshold (another run, or earlier)
        return 0
    return 1


def _recipients(vendor):
    """The vendor's people with an email, else the vendor's own address."""
    emails = sorted({p.email for p in vendor.people.exclude(email="")})
    return emails or ([vendor.email] if vendor.email else [])
