"""Lien waivers (docs/waivers.md): the company's template per kind, the project's
requirements, the waivers made from an invoice's figures and signed through an emailed
link, the overrides of the payment gate, and the sub-tier waivers uploaded as files."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.text import get_valid_filename
from django_scopes import ScopedManager

from contracts.models import MONEY


class Kind(models.TextChoices):
    CONDITIONAL_PROGRESS = "conditional_progress", "Conditional waiver on progress payment"
    UNCONDITIONAL_PROGRESS = "unconditional_progress", "Unconditional waiver on progress payment"
    CONDITIONAL_FINAL = "conditional_final", "Conditional waiver on final payment"
    UNCONDITIONAL_FINAL = "unconditional_final", "Unconditional waiver on final payment"


CONDITIONAL = (Kind.CONDITIONAL_PROGRESS, Kind.CONDITIONAL_FINAL)


class WaiverTemplate(models.Model):
    """The company's text for one kind, statutory wording pasted in by them, with
    placeholders for the invoice's figures (waivers.templating)."""

    company = models.ForeignKey(
        "tenancy.Company", on_delete=models.CASCADE, related_name="waiver_templates"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    body = models.TextField(max_length=20000)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(company="company")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "kind"], name="waiver_template_one_per_kind")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} template of {self.company}"


class WaiverSettings(models.Model):
    """Which waivers a project requires; made on first use, all off."""

    project = models.OneToOneField(
        "tenancy.Project", on_delete=models.CASCADE, related_name="waiver_settings"
    )
    require_conditional = models.BooleanField(
        default=False,
        help_text="A payment is recorded only once the invoice's conditional waiver is signed "
        "(an admin may override with a reason).",
    )
    require_unconditional = models.BooleanField(
        default=False,
        help_text="An unconditional waiver for the amount paid is sent after each payment.",
    )

    objects = ScopedManager(company="project__company")

    def __str__(self):
        return f"Waiver settings of {self.project}"


def _waiver_path(waiver, filename):
    invoice = waiver.invoice
    return (
        f"waivers/{invoice.contract.project.company_id}/{invoice.pk}/{uuid.uuid4().hex}/{filename}"
    )


class Waiver(models.Model):
    """One waiver made from an invoice's figures, sent to one contact, signed by them.

    `pdf_sha256` is the digest of the file as made; it is checked on every download and
    when signing, so a file altered in storage is refused. The link's token is stored only
    as its SHA-256 (as invitations, invoices.invitations)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Being made"
        SENT = "sent", "Sent for signature"
        SIGNED = "signed", "Signed"
        FAILED = "failed", "Failed"
        VOID = "void", "Replaced"

    invoice = models.ForeignKey(
        "invoices.Invoice", on_delete=models.CASCADE, related_name="waivers"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    amount = models.DecimalField(**MONEY)
    # An unconditional waiver is for one payment (docs/waivers.md): that payment's id, with
    # no foreign key because payments sits above waivers. Empty for a conditional waiver.
    payment_ref = models.PositiveBigIntegerField(null=True, blank=True)
    # Its payment was voided (waivers.services.waivers_payment_voided): when and why, as
    # the payments app said. Unsigned, the waiver was withdrawn with it; signed, it stays (a
    # legal document) and its panel shows the void beside it (docs/waivers.md).
    payment_voided_at = models.DateTimeField(null=True, blank=True)
    payment_void_reason = models.CharField(max_length=500, blank=True)
    through_date = models.DateField()
    contact = models.ForeignKey(
        "tenancy.Person", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    email = models.EmailField()
    file = models.FileField(upload_to=_waiver_path, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    # When its PDF job was last given to the broker, and how often the sweep gave it again
    # (waivers.services.waivers_sweep): a job lost on the way is queued again, once a sweep.
    queued_at = models.DateTimeField(default=timezone.now)
    requeues = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    signed_name = models.CharField(max_length=150, blank=True)
    signed_consent = models.BooleanField(default=False)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_ip = models.GenericIPAddressField(null=True, blank=True)

    objects = ScopedManager(company="invoice__contract__project__company")

    class Meta:
        ordering = ["requested_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.invoice}"

    @property
    def is_withdrawn(self):
        return self.status == self.Status.VOID and self.payment_voided_at is not None

    @property
    def is_conditional(self):
        return self.kind in CONDITIONAL

    @property
    def download_name(self):
        invoice = self.invoice
        return get_valid_filename(
            f"{invoice.contract.number}-{invoice.number}-{self.kind.replace('_', '-')}-waiver.pdf"
        )


class WaiverOverride(models.Model):
    """An admin let a payment through without the required conditional waiver: who, when,
    why."""

    invoice = models.ForeignKey(
        "invoices.Invoice", on_delete=models.CASCADE, related_name="waiver_overrides"
    )
    reason = models.TextField(max_length=2000)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    overridden_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(company="invoice__contract__project__company")

    class Meta:
        ordering = ["overridden_at", "pk"]

    def __str__(self):
        return f"Waiver override on {self.invoice}"


def _subtier_path(waiver, filename):
    invoice = waiver.invoice
    return (
        f"waivers/{invoice.contract.project.company_id}/{invoice.pk}/subtier/"
        f"{uuid.uuid4().hex}/{filename}"
    )


class SubtierWaiver(models.Model):
    """A waiver from a sub-subcontractor or supplier, uploaded as a PDF or an image."""

    invoice = models.ForeignKey(
        "invoices.Invoice", on_delete=models.CASCADE, related_name="subtier_waivers"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    party = models.CharField(max_length=200)
    file = models.FileField(upload_to=_subtier_path)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(company="invoice__contract__project__company")

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} from {self.party}"
