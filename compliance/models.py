"""Compliance documents (docs/compliance.md): what a vendor must keep on file, per company
or per commitment, and which invoice actions each project makes wait for it."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_scopes import ScopedManager

from contracts.models import MONEY, Contract
from invoices.models import Invoice
from tenancy.models import Company, Project, Vendor

# The types every company starts with; it renames, adds or retires its own afterwards.
DEFAULT_TYPES = (
    ("Certificate of insurance", True),
    ("W-9", False),
    ("License", False),
    ("Bond", True),
    ("Safety record", False),
)


class DocumentType(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="document_types")
    name = models.CharField(max_length=100)
    # A coverage amount means something for insurance and bonds, not for a W-9.
    has_coverage = models.BooleanField(default=False, verbose_name="has a coverage amount")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"],
                name="document_type_unique_name",
                violation_error_message="A document type of this name exists already.",
            )
        ]

    def __str__(self):
        return self.name


def _document_path(document, filename):
    """A folder of its own per file, as invoice attachments (invoices.models)."""
    return f"compliance/{document.company_id}/{document.vendor_id}/{uuid.uuid4().hex}/{filename}"


class ComplianceDocument(models.Model):
    """One document on file: the vendor's for all its work (no contract), or for one
    commitment. Its status is derived from the dates, never stored (gates.status_of)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    vendor = models.ForeignKey(
        Vendor, on_delete=models.CASCADE, related_name="compliance_documents"
    )
    contract = models.ForeignKey(
        Contract,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="compliance_documents",
    )
    document_type = models.ForeignKey(
        DocumentType, on_delete=models.PROTECT, related_name="documents"
    )
    file = models.FileField(upload_to=_document_path, max_length=400)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    issued_on = models.DateField(null=True, blank=True, verbose_name="issue date")
    expires_on = models.DateField(null=True, blank=True, verbose_name="expiry date")
    coverage_amount = models.DecimalField(**MONEY, null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["document_type__name", "-expires_on", "-uploaded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(issued_on__isnull=True)
                | Q(expires_on__gte=models.F("issued_on")),
                name="compliance_document_expires_after_issue",
                violation_error_message="The expiry date must be on or after the issue date.",
            ),
            models.CheckConstraint(
                condition=Q(coverage_amount__isnull=True) | Q(coverage_amount__gte=0),
                name="compliance_document_coverage_not_negative",
                violation_error_message="A coverage amount is not negative.",
            ),
        ]

    def __str__(self):
        return f"{self.document_type}: {self.name}"


class ComplianceSettings(models.Model):
    """A project's compliance options, created on first use."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="compliance_settings"
    )
    # Empty: the company's own setting (Company.compliance_expiring_days, Company settings);
    # a number overrides it on this project (docs/compliance.md).
    expiring_days = models.PositiveSmallIntegerField(
        null=True, blank=True, default=None, verbose_name="expiring within (days)"
    )

    objects = ScopedManager(company="project__company")

    class Meta:
        verbose_name_plural = "compliance settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(expiring_days__lte=365),
                name="compliance_expiring_days_at_most_a_year",
                violation_error_message="Expiring within is at most 365 days.",
            )
        ]

    def __str__(self):
        return f"Compliance settings of {self.project_id}"

    @property
    def effective_expiring_days(self):
        """The project's own number, else its company's (needs project__company loaded)."""
        if self.expiring_days is not None:
            return self.expiring_days
        return self.project.company.compliance_expiring_days


class ComplianceRule(models.Model):
    """On this project every commitment's vendor must have a current document of this
    type, and what waits for it: submitting an invoice, approving it, paying it."""

    settings = models.ForeignKey(ComplianceSettings, on_delete=models.CASCADE, related_name="rules")
    document_type = models.ForeignKey(DocumentType, on_delete=models.CASCADE, related_name="+")
    gates_submit = models.BooleanField(default=False, verbose_name="gates submitting")
    gates_approve = models.BooleanField(default=False, verbose_name="gates approving")
    gates_payment = models.BooleanField(default=False, verbose_name="gates paying")
    # For a type with a coverage amount (insurance, bonds): a document covering less does
    # not satisfy the rule (docs/compliance.md, coverage minimums). Empty: any amount.
    minimum_coverage = models.DecimalField(
        **MONEY, null=True, blank=True, verbose_name="minimum coverage"
    )

    objects = ScopedManager(company="settings__project__company")

    class Meta:
        ordering = ["document_type__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["settings", "document_type"], name="compliance_rule_unique_type"
            ),
            models.CheckConstraint(
                condition=Q(minimum_coverage__isnull=True) | Q(minimum_coverage__gte=0),
                name="compliance_rule_minimum_coverage_not_negative",
                violation_error_message="A minimum coverage is not negative.",
            ),
        ]

    def __str__(self):
        return f"Rule on {self.document_type_id}"


class PaymentOverride(models.Model):
    """An Admin paid although documents were missing or expired: who, why, and what was
    missing then (docs/compliance.md, overrides)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="+")
    missing = models.TextField()
    reason = models.TextField()
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    overridden_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(company="invoice__contract__project__company")

    class Meta:
        ordering = ["-overridden_at"]

    def __str__(self):
        return f"Payment override on invoice {self.invoice_id}"


class ExpiryReminder(models.Model):
    """One reminder sent for one document at one threshold (days before expiry; 0 on the
    day): the constraint makes it once, however often the job runs."""

    document = models.ForeignKey(
        ComplianceDocument, on_delete=models.CASCADE, related_name="reminders"
    )
    threshold = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(company="document__company")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["document", "threshold"], name="expiry_reminder_once_per_threshold"
            )
        ]

    def __str__(self):
        return f"Reminder {self.threshold} days before {self.document_id} expires"
