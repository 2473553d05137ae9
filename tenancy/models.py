from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django_scopes import ScopedManager


def login_name(value):
    """The one spelling of a login, as stored: an email stripped and lower-cased whole.
    Every lookup of a login and every count of failed attempts goes through it."""
    return (value or "").strip().lower()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        user = self.model(email=login_name(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, email):
        # Emails are stored lower-case; people type them as they like.
        return self.get(email=login_name(email))

    def create_superuser(self, email, password=None, **fields):
        return self.create_user(email, password, is_staff=True, is_superuser=True, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. Global: one user may work for several companies."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    class Meta:
        ordering = ["email"]
        constraints = [
            # With the unique email, no two accounts differ only by letter case.
            models.CheckConstraint(
                condition=Q(email=Lower("email")),
                name="user_email_lower_case",
                violation_error_message="An email is stored in lower case.",
            )
        ]

    def __str__(self):
        return self.full_name or self.email

    @classmethod
    def normalize_username(cls, username):
        return login_name(username)

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Company(models.Model):
    """The tenant. Everything tenant-owned is reachable from exactly one company."""

    class ClientInvoiceTerm(models.TextChoices):
        CLIENT = "Client invoice", "Client invoice"
        OWNER = "Owner invoice", "Owner invoice"
        FUNDING = "Funding invoice", "Funding invoice"
        PAY_APPLICATION = "Pay application", "Pay application"

    class SubcontractorInvoiceTerm(models.TextChoices):
        SUBCONTRACTOR = "Subcontractor invoice", "Subcontractor invoice"
        REQUISITION = "Requisition", "Requisition"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # What the company calls its invoices, on every page, email, PDF and export.
    client_invoice_term = models.CharField(
        "client invoices are called",
        max_length=30,
        choices=ClientInvoiceTerm.choices,
        default=ClientInvoiceTerm.CLIENT,
    )
    subcontractor_invoice_term = models.CharField(
        "subcontractor invoices are called",
        max_length=30,
        choices=SubcontractorInvoiceTerm.choices,
        default=SubcontractorInvoiceTerm.SUBCONTRACTOR,
    )
    # How soon a compliance document counts as expiring, for the company's pages (the
    # vendor page) and every project that does not set its own (docs/compliance.md).
    compliance_expiring_days = models.PositiveSmallIntegerField(
        "compliance documents are expiring within (days)",
        default=30,
        validators=[MaxValueValidator(365)],
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"
        constraints = [
            models.CheckConstraint(
                condition=Q(compliance_expiring_days__lte=365),
                name="company_compliance_expiring_days_at_most_a_year",
                violation_error_message="Expiring within is at most 365 days.",
            )
        ]

    def __str__(self):
        return self.name

    def invoice_term(self, *, client):
        """What this company calls an invoice of a client contract, or of a commitment."""
        return self.client_invoice_term if client else self.subcontractor_invoice_term


class Membership(models.Model):
    """A user employed by a company; company admins manage projects, users and directory."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    is_admin = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "company"], name="membership_unique_user")
        ]

    def __str__(self):
        return f"{self.user} @ {self.company}"


class Project(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(max_length=200)
    number = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["number", "name"]
        # The level grants on a project are the permissions app's: it creates them
        # (permissions.apps), the kernel knows nothing of levels (docs/tenancy.md).
        constraints = [
            models.UniqueConstraint(
                fields=["company", "number"],
                condition=~Q(number=""),
                name="project_unique_number",
                violation_error_message="Another project of this company has this number.",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="project_ends_after_start",
                violation_error_code="end_before_start",
                violation_error_message="The end date must be on or after the start date.",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.name}".strip()


class Vendor(models.Model):
    """A company in the tenant's directory: a subcontractor, supplier or client."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="vendors")
    name = models.CharField(max_length=200)
    trade = models.CharField(max_length=100, blank=True)
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"],
                name="vendor_unique_name",
                violation_error_message="The directory already has a company with this name.",
            )
        ]

    def __str__(self):
        return self.name


class Person(models.Model):
    """Someone at a vendor in the tenant's directory; may be linked to a user who logs in."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="people")
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="people")
    full_name = models.CharField(max_length=150)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    job_title = models.CharField(max_length=100, blank=True)
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, related_name="people", null=True, blank=True
    )

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["full_name"]
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(
                fields=["company", "email"],
                condition=~Q(email=""),
                name="person_unique_email",
                violation_error_message="The directory already has a person with this email.",
            )
        ]

    def __str__(self):
        return self.full_name


class OutgoingEmail(models.Model):
    """One email to one address, written when queued and delivered by a worker.

    The row is the job's memory: a worker attempt claims it before sending (`claimed_by`,
    the task's id) and records each step of the delivery (`step`), so a job delivered
    twice never sends twice, and an attempt that died is judged by how far it got: before
    the message was handed to the mail server it is sent again; after, it is "not
    confirmed" and only an admin's resend sends it again (tenancy.emails).
    """

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for its attachment"
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        UNCONFIRMED = "unconfirmed", "Not confirmed"
        FAILED = "failed", "Failed"

    class Step(models.TextChoices):
        NONE = "", "Not started"
        CLAIMED = "claimed", "Claimed by a worker"
        CONNECTED = "connected", "Connected to the mail server"
        RECIPIENT = "recipient", "Recipient accepted"
        HANDED_OVER = "handed_over", "Message handed over"
        ACCEPTED = "accepted", "Accepted by the mail server"

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    # An HTML alternative to the plain-text body, for the emails that have one (the digest).
    html_body = models.TextField(blank=True)
    attachment = models.FileField(blank=True)
    attachment_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    step = models.CharField(max_length=12, choices=Step.choices, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When it was last given to the broker (or is due again, for a retry with a delay):
    # a queued email older than that was never picked up and the sweep queues it again.
    queued_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The sweep's re-publishing of a queued email no worker took, at growing intervals
    # (config.jobs.republish_due); queued_at stays, so its true wait shows.
    republished = models.PositiveSmallIntegerField(default=0)
    republished_at = models.DateTimeField(null=True, blank=True)

    # Account emails belong to no company; a company's are its tenant data.
    objects = ScopedManager(company="company")

    def __str__(self):
        return f"{self.subject} → {self.to}"


class SweepRun(models.Model):
    """When beat last ran each periodic sweep: readiness tells from it whether beat runs.
    Not tenant data."""

    name = models.CharField(max_length=60, primary_key=True)
    ran_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at {self.ran_at}"

    @classmethod
    def record(cls, name):
        cls.objects.update_or_create(name=name, defaults={"ran_at": timezone.now()})


class CompanyInvitation(models.Model):
    """An existing account asked to join a company, as a member (the users page) or as a
    person of its directory (who may then be an invoice contact).

    Nothing links the account to the company until its owner accepts, signed in: until
    then it is no member, no contact, and gets 404 on the company's pages. Read by the
    invitee outside any company, so not a scoped model: every read names the user.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for an answer"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="company_invitations"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="company_invitations")
    # The directory person the account would be; none for an invitation to be a member.
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="company_invitations"
    )
    is_admin = models.BooleanField(default=False)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.user} invited to {self.company}"
