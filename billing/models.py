import uuid

from django.db import models
from django.db.models import F, Q
from django_scopes import ScopedManager

from tenancy.models import Project


class BillingPeriod(models.Model):
    """A project's billing period; contacts submit by the due date. One is open at a time."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="billing_periods")
    position = models.PositiveIntegerField()
    start_date = models.DateField()
    end_date = models.DateField()
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CLOSED)

    objects = ScopedManager(company="project__company")

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["project", "position"], name="period_unique_position"),
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(status="open"),
                name="period_one_open",
                violation_error_message="Another billing period of this project is open.",
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="period_ends_after_start",
                violation_error_code="end_before_start",
                violation_error_message="The end date must be on or after the start date.",
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=F("start_date")),
                name="period_due_after_start",
                violation_error_code="due_before_start",
                violation_error_message="The due date must be on or after the start date.",
            ),
        ]

    def __str__(self):
        start, end = self.start_date, self.end_date
        return f"Period {self.position}: {start:%b} {start.day} – {end:%b} {end.day}, {end.year}"

    @property
    def is_open(self):
        return self.status == self.Status.OPEN


def _logo_path(settings, filename):
    """The project's own folder, and a fresh name: no tenant's logo can replace another's."""
    project = settings.project
    return f"logos/{project.company_id}/{project.pk}/{uuid.uuid4().hex}-{filename}"


class BillingSettings(models.Model):
    """A project's Progress Billings settings."""

    class Overbilling(models.TextChoices):
        FORBID = "forbid", "Refuse overbilling"
        WARN = "warn", "Allow overbilling and flag it"

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="billing_settings"
    )
    overbilling = models.CharField(
        max_length=10, choices=Overbilling.choices, default=Overbilling.FORBID
    )
    # The invoice PDF (docs/documents.md): its sections, and what it shows besides the figures.
    pdf_application = models.BooleanField("application and certificate (G702)", default=True)
    pdf_continuation = models.BooleanField("continuation sheets (G703)", default=True)
    pdf_change_orders = models.BooleanField("change order summary", default=True)
    pdf_signatures = models.BooleanField("signature blocks", default=True)
    pdf_notary = models.BooleanField("notary block", default=True)
    pdf_claimed = models.BooleanField(
        "claimed amounts beside approved ones",
        default=False,
        help_text="On lines a reviewer adjusted (approved as noted).",
    )
    pdf_rejections = models.BooleanField("rejection reasons", default=False)
    pdf_logo = models.ImageField("logo", upload_to=_logo_path, blank=True)
    pdf_footer = models.CharField("footer text", max_length=300, blank=True)

    # What a PDF shows besides its figures and the logo (which it embeds).
    PDF_OPTIONS = (
        "pdf_application",
        "pdf_continuation",
        "pdf_change_orders",
        "pdf_signatures",
        "pdf_notary",
        "pdf_claimed",
        "pdf_rejections",
        "pdf_footer",
    )

    objects = ScopedManager(company="project__company")

    class Meta:
        verbose_name_plural = "billing settings"

    def __str__(self):
        return f"Billing settings of {self.project}"
