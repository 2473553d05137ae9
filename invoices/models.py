import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename
from django_scopes import ScopedManager

from billing.models import BillingPeriod
from contracts.models import MONEY, QUANTITY, RATE, ChangeOrderLine, Contract, SOVLine, SSOVLine
from contracts.money import ZERO


class Invoice(models.Model):
    """One pay application: a contract billed for one billing period (AIA G702/G703).

    Subcontractor invoices bill commitments; client invoices bill client contracts. The
    G702 columns hold the engine's figures as of the last save; once submitted they are
    frozen and the next invoice of the contract starts from them.
    """

    class Type(models.TextChoices):
        PROGRESS = "progress", "Progress: work and materials"
        PROGRESS_RETAINAGE = "progress_retainage", "Progress: work, materials and retainage"
        RETAINAGE_RELEASE = "retainage_release", "Retainage release only"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        UNDER_REVIEW = "under_review", "Under review"
        REVISE_RESUBMIT = "revise_resubmit", "Revise & resubmit"
        APPROVED = "approved", "Approved"
        APPROVED_AS_NOTED = "approved_as_noted", "Approved as noted"
        PENDING_OWNER_APPROVAL = "pending_owner_approval", "Pending owner approval"

    EDITABLE_STATUSES = (Status.DRAFT, Status.REVISE_RESUBMIT)

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="invoices")
    period = models.ForeignKey(BillingPeriod, on_delete=models.PROTECT, related_name="invoices")
    sequence = models.PositiveIntegerField(help_text="1 for the contract's first invoice, ...")
    number = models.CharField(max_length=40)
    billing_date = models.DateField()
    period_start = models.DateField()
    period_end = models.DateField()
    invoice_type = models.CharField(max_length=20, choices=Type.choices, default=Type.PROGRESS)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The contact's note to the reviewer; required, optional or hidden by the project's
    # fieldsets (billing.models.BillingSettings.FIELDSETS).
    comments = models.TextField(blank=True, max_length=4000)
    # The G702, as the engine computed it from the lines.
    original_contract_sum = models.DecimalField(**MONEY, default=0)
    net_change_by_change_orders = models.DecimalField(**MONEY, default=0)
    contract_sum_to_date = models.DecimalField(**MONEY, default=0)
    total_completed_and_stored = models.DecimalField(**MONEY, default=0)
    retainage_work = models.DecimalField(**MONEY, default=0)
    retainage_materials = models.DecimalField(**MONEY, default=0)
    total_retainage = models.DecimalField(**MONEY, default=0)
    total_earned_less_retainage = models.DecimalField(**MONEY, default=0)
    previous_certificates = models.DecimalField(**MONEY, default=0)
    current_payment_due = models.DecimalField(**MONEY, default=0)
    balance_to_finish_including_retainage = models.DecimalField(**MONEY, default=0)
    retainage_released = models.DecimalField(**MONEY, default=0)
    # The one rate of 5a / 5b when every line retains at it and holds it exactly
    # (billing.engine.single_rate); empty when the rates vary by line or by period.
    retainage_work_percent = models.DecimalField(**RATE, null=True, blank=True)
    retainage_materials_percent = models.DecimalField(**RATE, null=True, blank=True)
    # The G703 column totals the G702 does not carry (ΣD, ΣE, ΣF).
    total_previous_work = models.DecimalField(**MONEY, default=0)
    total_work_this_period = models.DecimalField(**MONEY, default=0)
    total_materials_stored = models.DecimalField(**MONEY, default=0)

    objects = ScopedManager(company="contract__project__company")

    class Meta:
        ordering = ["contract", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "period"],
                name="invoice_one_per_contract_period",
                violation_error_message="This contract already has an invoice for this period.",
            ),
            models.UniqueConstraint(
                fields=["contract", "number"],
                name="invoice_unique_number",
                violation_error_message="This contract already has an invoice with this number.",
            ),
            models.UniqueConstraint(
                fields=["contract", "sequence"], name="invoice_unique_sequence"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        contract = self.contract
        return reverse(
            "invoice_detail",
            kwargs={
                "company": contract.project.company.slug,
                "project": contract.project_id,
                "contract": contract.pk,
                "invoice": self.pk,
            },
        )

    @property
    def is_editable(self):
        return self.status in self.EDITABLE_STATUSES

    @property
    def status_phrase(self):
        """Its status in a sentence after its title: "is approved", and for one sent back
        "was sent back to revise and resubmit" (a status name does not read as a verb)."""
        if self.status == self.Status.REVISE_RESUBMIT:
            return "was sent back to revise and resubmit"
        return f"is {self.get_status_display().lower()}"

    @property
    def title(self):
        """The invoice as the company names it: "Requisition #7", "Pay application #3"."""
        return f"{self.contract.invoice_term} #{self.number}"

    @property
    def releases_retainage(self):
        """Whether this invoice can release retainage (every type but a plain progress one)."""
        return self.invoice_type != self.Type.PROGRESS

    @property
    def is_overbilled(self):
        """Completed and stored to date above the contract sum to date: overbilling of the
        contract, whether or not a line is past its own value."""
        return self.total_completed_and_stored > max(self.contract_sum_to_date, 0)


class ReviewStatus(models.TextChoices):
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class LineFacts:
    """What a G703 line says about itself, for model instances and for the lighter rows the
    invoice page reads (selectors.StoredLine) and the writes of many lines read
    (line_writes.LineRow) alike."""

    @property
    def is_unit_based(self):
        return self.unit_price is not None

    @property
    def was_adjusted(self):
        return self.claimed_work_this_period is not None


class InvoiceLine(LineFacts, models.Model):
    """One G703 row: an SOV line, a change-order line or a subcontractor SOV detail line.

    The line keeps a copy of what it bills (number, description, scheduled value) and the
    previous invoice's to-date figures, so neither later contract edits nor a later invoice
    ever rewrites it. `version` increases with every saved edit: an edit made from an older
    version is refused instead of overwriting someone else's.
    """

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    # Each source is looked up through its unique constraint below, which leads with it: an
    # index of its own would be one more to write on every line's update (docs/invoices.md,
    # "Writing many lines").
    sov_line = models.ForeignKey(
        SOVLine, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    change_order_line = models.ForeignKey(
        ChangeOrderLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    ssov_line = models.ForeignKey(
        SSOVLine, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    # A: B: C, as billed.
    number = models.CharField(max_length=40)
    description = models.CharField(max_length=300)
    cost_code = models.CharField(max_length=40, blank=True)
    change_order_number = models.CharField(max_length=20, blank=True)
    change_order_approved_on = models.DateField(null=True, blank=True)
    scheduled_value = models.DecimalField(**MONEY)
    unit = models.CharField(max_length=20, blank=True)
    unit_price = models.DecimalField(**QUANTITY, null=True, blank=True)
    scheduled_quantity = models.DecimalField(**QUANTITY, null=True, blank=True)
    # Carried from the previous invoice of the contract.
    previous_work = models.DecimalField(**MONEY, default=ZERO)
    previous_materials = models.DecimalField(**MONEY, default=ZERO)
    previous_retainage_work = models.DecimalField(**MONEY, default=ZERO)
    previous_retainage_materials = models.DecimalField(**MONEY, default=ZERO)
    previous_quantity = models.DecimalField(**QUANTITY, default=ZERO)
    # Entered for this period.
    work_this_period = models.DecimalField(**MONEY, default=ZERO)
    quantity_this_period = models.DecimalField(**QUANTITY, default=ZERO)
    materials_stored = models.DecimalField(**MONEY, default=ZERO)
    retainage_work_rate = models.DecimalField(**RATE, null=True, blank=True)
    retainage_work_amount = models.DecimalField(**MONEY, null=True, blank=True)
    retainage_work_released = models.DecimalField(**MONEY, default=ZERO)
    retainage_materials_rate = models.DecimalField(**RATE, null=True, blank=True)
    retainage_materials_amount = models.DecimalField(**MONEY, null=True, blank=True)
    retainage_materials_released = models.DecimalField(**MONEY, default=ZERO)
    # Computed by the engine, stored so that the figures of a submitted invoice never move.
    completed_to_date = models.DecimalField(**MONEY, default=ZERO)
    percent_complete = models.DecimalField(max_digits=9, decimal_places=2, null=True)
    balance_to_finish = models.DecimalField(**MONEY, default=ZERO)
    quantity_to_date = models.DecimalField(**QUANTITY, null=True, blank=True)
    applied_work_rate = models.DecimalField(**RATE, default=ZERO)
    retainage_work_this_period = models.DecimalField(**MONEY, default=ZERO)
    retainage_work_to_date = models.DecimalField(**MONEY, default=ZERO)
    applied_materials_rate = models.DecimalField(**RATE, default=ZERO)
    retainage_materials_this_period = models.DecimalField(**MONEY, default=ZERO)
    retainage_materials_to_date = models.DecimalField(**MONEY, default=ZERO)
    retainage_to_date = models.DecimalField(**MONEY, default=ZERO)
    overbilled = models.BooleanField(default=False)
    # The reviewer's verdict on the line, and what the contact claimed before a reviewer
    # adjusted it ("approved as noted"); empty while nobody adjusted it.
    review_status = models.CharField(max_length=10, choices=ReviewStatus.choices, blank=True)
    review_reason = models.CharField(max_length=500, blank=True)
    claimed_work_this_period = models.DecimalField(**MONEY, null=True, blank=True)
    claimed_quantity_this_period = models.DecimalField(**QUANTITY, null=True, blank=True)
    claimed_materials_stored = models.DecimalField(**MONEY, null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedManager(company="invoice__contract__project__company")

    class Meta:
        ordering = ["position"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        sov_line__isnull=False,
                        change_order_line__isnull=True,
                        ssov_line__isnull=True,
                    )
                    | Q(
                        sov_line__isnull=True,
                        change_order_line__isnull=False,
                        ssov_line__isnull=True,
                    )
                    | Q(
                        sov_line__isnull=True,
                        change_order_line__isnull=True,
                        ssov_line__isnull=False,
                    )
                ),
                name="invoice_line_one_source",
            ),
            models.UniqueConstraint(
                fields=["sov_line", "invoice"], name="invoice_line_unique_sov_line"
            ),
            models.UniqueConstraint(
                fields=["change_order_line", "invoice"], name="invoice_line_unique_co_line"
            ),
            models.UniqueConstraint(
                fields=["ssov_line", "invoice"], name="invoice_line_unique_ssov_line"
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.description}"

    @property
    def contract(self):
        return self.invoice.contract

    # What a line bills, by kind: exactly one of these is set.
    SOURCES = (("sov", "sov_line"), ("co", "change_order_line"), ("ssov", "ssov_line"))

    @property
    def source_key(self):
        """Identifies the billed line across the contract's invoices."""
        billed = ((kind, getattr(self, f"{name}_id")) for kind, name in self.SOURCES)
        return next((key for key in billed if key[1]), ("ssov", None))


class InvoiceEvent(models.Model):
    """Who did what to an invoice, and when (docs/invoices.md, "Who did what"): one row per
    action, written by the service that acts, in its own transaction. `actor` None is the
    system (a job, the demo's seed, an account deleted since)."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        LINES_UPDATED = "lines_updated", "Lines updated"
        SUBMITTED = "submitted", "Submitted"
        REVIEWED = "reviewed", "Reviewed"
        STATUS_CHANGED = "status_changed", "Status changed"
        SENT = "sent", "Sent by email"
        INVITED = "invited", "Contacts invited"
        DETAILS_UPDATED = "details_updated", "Details updated"

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    # Where the action moved the invoice's status; empty when it did not.
    from_status = models.CharField(max_length=30, choices=Invoice.Status.choices, blank=True)
    to_status = models.CharField(max_length=30, choices=Invoice.Status.choices, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    objects = ScopedManager(company="invoice__contract__project__company")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.invoice} by {self.actor or 'the system'}"


class Invitation(models.Model):
    """An invitation to bill: one invoice contact, one commitment, one period.

    See docs/invite-to-bill.md.

    The emailed link carries a random token; only its SHA-256 is stored, so a leaked
    database holds no usable link. Inviting again makes a new invitation and revokes the
    one not yet answered, whose link then says it was replaced.
    """

    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        REVOKED = "revoked", "Replaced or withdrawn"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="invitations")
    period = models.ForeignKey(BillingPeriod, on_delete=models.CASCADE, related_name="invitations")
    contact = models.ForeignKey(
        "tenancy.Person", on_delete=models.CASCADE, related_name="invitations"
    )
    # The address the link went to: the link works for that address only.
    email = models.EmailField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.INVITED)
    token_hash = models.CharField(max_length=64, unique=True)
    message = models.TextField(blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    invited_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    new_link_requested_at = models.DateTimeField(null=True, blank=True)
    # The reminders of an unanswered or unsubmitted invitation (InvitationReminder).
    last_reminded_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(company="contract__project__company")

    class Meta:
        ordering = ["invited_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "period", "contact"],
                condition=Q(status="invited"),
                name="invitation_one_open_per_contact",
            )
        ]

    def __str__(self):
        return f"Invitation of {self.contact} to bill {self.contract.number} for {self.period}"


class InvitationReminder(models.Model):
    """A reminder sent for an invitation, one per day it is due (docs/invite-to-bill.md,
    reminders): the constraint, not the job's care, keeps a second run of the job, or a
    second beat, from reminding twice. Sent now by an admin, its `due_on` is that day."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="reminders")
    due_on = models.DateField()
    email = models.OneToOneField(
        "tenancy.OutgoingEmail", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(company="invitation__contract__project__company")

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["invitation", "due_on"], name="reminder_once_a_day_per_invitation"
            )
        ]

    def __str__(self):
        return f"Reminder of {self.invitation} on {self.due_on}"


class DueDateExtension(models.Model):
    """A later due date for one commitment in one period (docs/periods.md, the due date):
    its invoice contacts may start that period's invoice until then."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="due_date_extensions"
    )
    period = models.ForeignKey(
        BillingPeriod, on_delete=models.CASCADE, related_name="due_date_extensions"
    )
    due_date = models.DateField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(company="contract__project__company")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "period"],
                name="extension_one_per_contract_period",
                violation_error_message="This commitment already has an extension for this period.",
            )
        ]

    def __str__(self):
        return f"{self.contract.number}: due {self.due_date} for {self.period}"


class ReopenRequest(models.Model):
    """An invoice contact refused after the due date asked to reopen the period for their
    commitment (docs/periods.md, the due date): the inviter is emailed. Once a day per
    contact, commitment and period: the constraint, not the page's care, keeps a second
    click or a second tab from sending a second email."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(BillingPeriod, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey("tenancy.Person", on_delete=models.CASCADE, related_name="+")
    requested_on = models.DateField()
    requested_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(company="contract__project__company")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "period", "contact", "requested_on"],
                name="reopen_request_once_a_day",
            )
        ]

    def __str__(self):
        return f"{self.contact} asks to reopen {self.period} for {self.contract}"


class DigestRun(models.Model):
    """A project's weekly digest, sent once for the week it is dated (docs/invite-to-bill.md,
    digest): a second run of the job the same week finds this row and sends nothing."""

    project = models.ForeignKey(
        "tenancy.Project", on_delete=models.CASCADE, related_name="digest_runs"
    )
    week_of = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(company="project__company")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "week_of"], name="digest_once_a_week")
        ]

    def __str__(self):
        return f"Digest of {self.project} for the week of {self.week_of}"


# Longer than a render takes (a 2,000-line PDF: about 20 s): past it, the page offers Retry.
DOCUMENT_STUCK_AFTER = timedelta(minutes=2)


def _document_path(document, filename):
    """One folder per document: a name never collides, and a tenant's files stay together."""
    invoice = document.invoice
    return f"documents/{invoice.contract.project.company_id}/{invoice.pk}/{document.pk}/{filename}"


class InvoiceDocument(models.Model):
    """A file made from an invoice by a worker: its PDF, or its compiled backup.

    `fingerprint` digests what the file shows (figures, statuses, PDF options): asked for
    again while nothing changed, the same document is offered instead of a second render.
    `file` is set only once the whole file is stored, so a render cut short leaves none.
    """

    class Kind(models.TextChoices):
        PDF = "pdf", "Invoice PDF"
        BACKUP = "backup", "Compiled backup"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(upload_to=_document_path, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    # When it was last given to the broker; the sweep queues again what nobody picked up.
    queued_at = models.DateTimeField(default=timezone.now)
    # The worker attempt (the task's id) holding the claim: a redelivery of that same job
    # means the attempt died, and it takes over at once.
    claimed_by = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    # The sweep's re-publishing of a queued document no worker took, at growing intervals
    # (config.jobs.republish_due); queued_at stays, so its true wait shows.
    republished = models.PositiveSmallIntegerField(default=0)
    republished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(company="invoice__contract__project__company")

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.invoice}"

    @property
    def label(self):
        return "backup PDF" if self.kind == self.Kind.BACKUP else "PDF"

    @property
    def is_stuck(self):
        """Queued or being made for longer than any render takes: the page offers Retry."""
        since = timezone.now() - DOCUMENT_STUCK_AFTER
        if self.status == self.Status.QUEUED:
            return self.queued_at < since
        return self.status == self.Status.RENDERING and (self.started_at or since) < since

    @property
    def download_name(self):
        invoice = self.invoice
        what = "backup" if self.kind == self.Kind.BACKUP else "application"
        return get_valid_filename(f"{invoice.contract.number}-{what}-{invoice.number}.pdf")


class InvoiceEmail(models.Model):
    """An invoice sent by email with its PDF: a client invoice to the owner, or a
    subcontractor invoice forwarded. One row per address; its delivery is the email's."""

    class Kind(models.TextChoices):
        CLIENT_INVOICE = "client_invoice", "Client invoice sent"
        FORWARD = "forward", "Forwarded"

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="emails")
    email = models.OneToOneField(
        "tenancy.OutgoingEmail", on_delete=models.CASCADE, related_name="invoice_email"
    )
    document = models.ForeignKey(
        InvoiceDocument, on_delete=models.SET_NULL, null=True, related_name="emails"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    message = models.TextField(blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(company="invoice__contract__project__company")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.invoice} to {self.email.to}"


def _attachment_path(attachment, filename):
    """A folder of its own per file: two files of the same name never meet, whatever the
    storage does with names that exist already."""
    invoice = attachment.invoice
    folder = uuid.uuid4().hex
    return f"attachments/{invoice.contract.project.company_id}/{invoice.pk}/{folder}/{filename}"


class InvoiceAttachment(models.Model):
    """A file that backs an invoice up (a lien waiver, delivery tickets, photos): a PDF or
    an image, compiled after the invoice into its backup PDF."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(company="invoice__contract__project__company")

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.name
