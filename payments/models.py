"""Payments issued to vendors and received from clients, what each pays of which invoice,
and when a client is expected to pay (docs/payments.md).

An invoice's paid state is never stored: it is the sum of the allocations of its payments
that are not voided (payments.selectors), so it cannot drift from them.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django_scopes import ScopedManager

from contracts.models import MONEY, Contract
from invoices.models import Invoice


def _attachment_path(payment, filename):
    """A folder of its own per file, as invoice attachments do."""
    company = payment.contract.project.company_id
    return f"payments/{company}/{payment.contract_id}/{uuid.uuid4().hex}/{filename}"


class Payment(models.Model):
    class Kind(models.TextChoices):
        ISSUED = "issued", "Payment issued"
        RECEIVED = "received", "Payment received"

    class Method(models.TextChoices):
        CHECK = "check", "Check"
        ELECTRONIC = "electronic", "ACH / electronic"
        CARD = "card", "Card"
        WIRE = "wire", "Wire"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="payments")
    number = models.CharField("payment number", max_length=40)
    method = models.CharField(max_length=12, choices=Method.choices, default=Method.CHECK)
    amount = models.DecimalField(**MONEY)
    paid_on = models.DateField("date")
    check_number = models.CharField(max_length=40, blank=True)
    notes = models.TextField(blank=True, max_length=4000)
    attachment = models.FileField(upload_to=_attachment_path, blank=True)
    # An Admin's reason to pay although a gate refused (payments.gates), kept with the payment.
    override_reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Voiding keeps the payment and says who, when and why; its allocations stop counting.
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    void_reason = models.CharField(max_length=500, blank=True)

    objects = ScopedManager(company="contract__project__company")

    class Meta:
        ordering = ["paid_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.UniqueConstraint(
                fields=["contract", "number"],
                name="payment_unique_number",
                violation_error_message="This contract already has a payment with this number.",
            ),
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True) | ~Q(void_reason=""),
                name="payment_void_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    @property
    def is_void(self):
        return self.voided_at is not None


class PaymentAllocation(models.Model):
    """What one payment pays of one invoice."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    # PROTECT: an invoice with payments recorded against it is not deleted from under them.
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(**MONEY)

    objects = ScopedManager(company="invoice__contract__project__company")

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
            models.UniqueConstraint(
                fields=["payment", "invoice"], name="allocation_one_per_invoice"
            ),
        ]

    def __str__(self):
        return f"{self.amount} of {self.invoice_id} by payment {self.payment_id}"


class PaymentScheduleItem(models.Model):
    """When a client is expected to pay how much of a client invoice."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="schedule_items")
    expected_on = models.DateField("expected date")
    amount = models.DecimalField(**MONEY)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(company="invoice__contract__project__company")

    class Meta:
        ordering = ["expected_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="schedule_amount_positive"),
        ]

    def __str__(self):
        return f"{self.amount} expected {self.expected_on}"


class PaymentSettings(models.Model):
    """The project's payment options (docs/payments.md, settings), made on first use."""

    project = models.OneToOneField(
        "tenancy.Project", on_delete=models.CASCADE, related_name="payment_settings"
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        "payment terms (days after the billing date)",
        default=30,
        validators=[MaxValueValidator(365)],
        help_text="Payables show an invoice as late this many days after its billing date.",
    )
    default_method = models.CharField(
        "default payment method",
        max_length=12,
        choices=Payment.Method.choices,
        default=Payment.Method.CHECK,
    )

    objects = ScopedManager(company="project__company")

    class Meta:
        verbose_name_plural = "payment settings"

    def __str__(self):
        return f"Payment settings of {self.project}"
