import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_scopes import ScopedManager

from tenancy.models import Project

# A percentage, 0–100, as contracts.models.RATE (billing is below contracts: no import).
RATE = {"max_digits": 7, "decimal_places": 4}


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
    # Made by the automatic cycle (docs/periods.md), not by an admin.
    created_automatically = models.BooleanField(default=False)

    objects = ScopedManager(company="project__company")

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["project", "position"], name="period_unique_position"),
            # The automatic cycle creates a period exactly once, whoever runs it how often:
            # a second attempt for the same start hits this, not a duplicate period.
            models.UniqueConstraint(
                fields=["project", "start_date"],
                name="period_unique_start",
                violation_error_message="Another billing period of this project starts that day.",
            ),
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
        ALLOW = "allow", "Allow overbilling"

    class Frequency(models.TextChoices):
        OFF = "off", "Off: periods are created by hand"
        MONTHLY = "monthly", "Monthly"
        TWICE_A_MONTH = "twice_a_month", "Twice a month"
        WEEKLY = "weekly", "Weekly"

    class Numbering(models.TextChoices):
        PER_CONTRACT = "per_contract", "Per contract: 1, 2, 3, … on each contract"
        PROJECT_PATTERN = "project_pattern", "Project-wide: a prefix and a padded number"

    class FieldRule(models.TextChoices):
        REQUIRED = "required", "Required"
        OPTIONAL = "optional", "Optional"
        HIDDEN = "hidden", "Hidden"

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="billing_settings"
    )

    # Billing periods (docs/periods.md): the days new periods take, by hand or automatically.
    period_start_day = models.PositiveSmallIntegerField(
        "start day of the month",
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
    )
    period_end_day = models.PositiveSmallIntegerField(
        "end day of the month",
        default=31,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text="31 is the month's last day, whatever its length.",
    )
    period_due_day = models.PositiveSmallIntegerField(
        "due day of the month",
        default=25,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text="The last day for invoice contacts to submit.",
    )
    period_week_start = models.PositiveSmallIntegerField(
        "weekly periods start on", choices=Weekday.choices, default=Weekday.MONDAY
    )
    period_frequency = models.CharField(
        "automatic periods", max_length=20, choices=Frequency.choices, default=Frequency.OFF
    )
    period_lead_days = models.PositiveSmallIntegerField(
        "create and open the next period this many days before it starts",
        default=0,
        validators=[MaxValueValidator(27)],
    )

    # Invoice numbering (docs/invoices.md).
    numbering = models.CharField(
        max_length=20, choices=Numbering.choices, default=Numbering.PER_CONTRACT
    )
    number_prefix = models.CharField("number prefix", max_length=20, blank=True)
    number_padding = models.PositiveSmallIntegerField(
        "digits", default=4, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    # The project-wide pattern's last number given out, taken under the settings row's lock.
    last_number = models.PositiveIntegerField(default=0)

    # Retainage for contracts and commitments created from now on; existing ones keep theirs.
    retainage_work_rate = models.DecimalField(
        "retainage on work (%)",
        **RATE,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    retainage_materials_rate = models.DecimalField(
        "retainage on stored materials (%)",
        **RATE,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    # Sliding-scale rules, the shape of Contract.retainage_rules.
    retainage_rules = models.JSONField(default=list, blank=True)

    overbilling = models.CharField(
        max_length=10, choices=Overbilling.choices, default=Overbilling.FORBID
    )

    # Fieldsets: which invoice fields a contact must, may or never sees fill in.
    field_attachments = models.CharField(
        "attachments", max_length=10, choices=FieldRule.choices, default=FieldRule.OPTIONAL
    )
    field_billing_date = models.CharField(
        "billing date", max_length=10, choices=FieldRule.choices, default=FieldRule.OPTIONAL
    )
    field_invoice_number = models.CharField(
        "invoice number", max_length=10, choices=FieldRule.choices, default=FieldRule.OPTIONAL
    )
    field_period_dates = models.CharField(
        "period dates", max_length=10, choices=FieldRule.choices, default=FieldRule.OPTIONAL
    )
    field_comments = models.CharField(
        "comments", max_length=10, choices=FieldRule.choices, default=FieldRule.OPTIONAL
    )
    FIELDSETS = (
        "field_attachments",
        "field_billing_date",
        "field_invoice_number",
        "field_period_dates",
        "field_comments",
    )

    # Emails (docs/invite-to-bill.md).
    invite_message = models.TextField(
        "invite-to-bill message",
        blank=True,
        max_length=2000,
        help_text="Added to every invitation to bill of this project.",
    )
    reminder_every_days = models.PositiveSmallIntegerField(
        "remind every (days) before the due date",
        default=0,
        validators=[MaxValueValidator(31)],
        help_text="0: no reminders before the due date.",
    )
    reminder_on_due_date = models.BooleanField("remind on the due date", default=False)
    digest_enabled = models.BooleanField("weekly digest", default=False)
    digest_weekday = models.PositiveSmallIntegerField(
        "digest day", choices=Weekday.choices, default=Weekday.MONDAY
    )
    notify_on_approval = models.BooleanField(
        "email the contact when their invoice is approved", default=True
    )
    # Addresses, one per line: who gets the weekly digest.
    distribution_list = models.TextField("invoice distribution list", blank=True, max_length=4000)

    # Defaults for commitments created from now on.
    ssov_required = models.BooleanField("subcontractor SOV required", default=False)
    payments_issued_enabled = models.BooleanField("Payments Issued tab shown", default=False)
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

    @property
    def distribution_addresses(self):
        """The distribution list as addresses, in order, each once."""
        text = self.distribution_list.replace(",", "\n").replace(";", "\n")
        return list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))


class BillingSettingsChange(models.Model):
    """One setting changed: which, from what to what, by whom and when (docs/periods.md,
    settings). Written by the service that saves a section of the settings page."""

    billing_settings = models.ForeignKey(
        BillingSettings, on_delete=models.CASCADE, related_name="changes"
    )
    section = models.CharField(max_length=40)
    field = models.CharField(max_length=60)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(company="billing_settings__project__company")

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.field}: {self.old_value} → {self.new_value}"
