from decimal import Decimal

from django.db import models
from django.db.models import Q
from django_scopes import ScopedManager

from tenancy.models import Person, Project, Vendor

MONEY = {"max_digits": 14, "decimal_places": 2}
QUANTITY = {"max_digits": 16, "decimal_places": 4}
RATE = {"max_digits": 7, "decimal_places": 4}  # a percentage, 0–100


def largest(spec):
    """The largest value a column of this spec holds: MONEY 999,999,999,999.99."""
    step = Decimal(1).scaleb(-spec["decimal_places"])
    return Decimal(1).scaleb(spec["max_digits"] - spec["decimal_places"]) - step


def out_of_range(spec, value, label):
    """A message when `value` does not fit a column of this spec, else None."""
    limit = largest(spec)
    if value is None or -limit <= value <= limit:
        return None
    return f"{label} would be {value:,}, beyond what it holds (at most ±{limit:,})."


def _rate_between_0_and_100(field, name):
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0, f"{field}__lte": 100}),
        name=name,
        # %% because Django formats constraint messages with %.
        violation_error_message="A retainage rate is between 0%% and 100%%.",
    )


class Contract(models.Model):
    """A client (prime) contract with the owner, or a commitment with a vendor:
    a subcontract or a purchase order."""

    class Kind(models.TextChoices):
        CLIENT = "client", "Client contract"
        SUBCONTRACT = "subcontract", "Subcontract"
        PURCHASE_ORDER = "purchase_order", "Purchase order"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OUT_FOR_SIGNATURE = "out_for_signature", "Out for signature"
        APPROVED = "approved", "Approved"
        COMPLETE = "complete", "Complete"
        TERMINATED = "terminated", "Terminated"
        VOID = "void", "Void"

    class AccountingMethod(models.TextChoices):
        AMOUNT = "amount", "Amount based"
        UNIT = "unit", "Unit/quantity based"

    class SSOVStatus(models.TextChoices):
        DRAFT = "draft", "Draft"
        UNDER_REVIEW = "under_review", "Under review"
        REVISE_RESUBMIT = "revise_resubmit", "Revise & resubmit"
        APPROVED = "approved", "Approved"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="contracts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    number = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, related_name="commitments", null=True, blank=True
    )
    client = models.ForeignKey(
        Vendor,
        on_delete=models.PROTECT,
        related_name="client_contracts",
        null=True,
        blank=True,
        verbose_name="owner/client",
    )
    contractor = models.CharField(max_length=200, blank=True)
    architect = models.CharField(max_length=200, blank=True, verbose_name="architect/engineer")
    contract_date = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)
    accounting_method = models.CharField(
        max_length=10, choices=AccountingMethod.choices, default=AccountingMethod.AMOUNT
    )
    retainage_work_rate = models.DecimalField(
        **RATE, default=0, verbose_name="default retainage on work (%)"
    )
    retainage_materials_rate = models.DecimalField(
        **RATE, default=0, verbose_name="default retainage on stored materials (%)"
    )
    is_private = models.BooleanField(default=False, verbose_name="private")
    ssov_required = models.BooleanField(default=False, verbose_name="subcontractor SOV required")
    ssov_status = models.CharField(
        max_length=20, choices=SSOVStatus.choices, default=SSOVStatus.DRAFT
    )
    # Sliding-scale retainage on work, at most five rules: [{"from_percent": "50",
    # "rate": "5"}, ...] as decimal strings. Kept on the contract because every invoice
    # edit reads it: a column costs no query, a table would cost one per edit.
    retainage_rules = models.JSONField(default=list, blank=True)
    payments_issued_enabled = models.BooleanField(default=False, verbose_name="Payments Issued tab")
    invoice_contacts = models.ManyToManyField(
        Person, blank=True, related_name="invoice_contact_for"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(company="project__company")

    class Meta:
        ordering = ["kind", "number"]
        # The private list, granted per commitment with django-guardian; the invoice
        # contacts are the field above (docs/permissions.md, where each fact lives).
        permissions = [("on_private_list", "On the commitment's private list")]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "number"],
                name="contract_unique_number",
                violation_error_message="Another contract of this project has this number.",
            ),
            models.CheckConstraint(
                condition=Q(kind="client", vendor__isnull=True)
                | (~Q(kind="client") & Q(client__isnull=True)),
                name="contract_party_matches_kind",
            ),
            _rate_between_0_and_100("retainage_work_rate", "contract_work_rate_range"),
            _rate_between_0_and_100("retainage_materials_rate", "contract_materials_rate_range"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def is_commitment(self):
        return self.kind != self.Kind.CLIENT

    @property
    def invoice_term(self):
        """What the company calls this contract's invoices ("Requisition", "Pay
        application", ...; docs/tenancy.md, terminology): every page, email, PDF and export
        names an invoice by it."""
        return self.project.company.invoice_term(client=not self.is_commitment)

    @property
    def is_unit_based(self):
        return self.accounting_method == self.AccountingMethod.UNIT

    @property
    def party(self):
        """Who the contract is with: the vendor of a commitment, the client of a contract."""
        return self.vendor if self.is_commitment else self.client

    @property
    def sliding_scale(self):
        """The retainage rules as (from percent complete, rate) Decimal pairs, in order."""
        return sorted(
            (Decimal(rule["from_percent"]), Decimal(rule["rate"])) for rule in self.retainage_rules
        )


class ScheduledLine(models.Model):
    """What SOV and change-order lines share: a billable line of the schedule of values."""

    position = models.PositiveIntegerField(default=0)
    description = models.CharField(max_length=300)
    cost_code = models.CharField(max_length=40, blank=True)
    scheduled_value = models.DecimalField(**MONEY)
    quantity = models.DecimalField(**QUANTITY, null=True, blank=True)
    unit = models.CharField(max_length=20, blank=True, verbose_name="unit of measure")
    unit_price = models.DecimalField(**QUANTITY, null=True, blank=True)

    class Meta:
        abstract = True


class SOVLine(ScheduledLine):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="sov_lines")
    number = models.CharField(max_length=20)

    objects = ScopedManager(company="contract__project__company")

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "SOV line"

    def __str__(self):
        return f"{self.number} {self.description}"


class ChangeOrder(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        VOID = "void", "Void"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="change_orders")
    number = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    approved_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(company="contract__project__company")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "number"],
                name="change_order_unique_number",
                violation_error_message="This contract has a change order with this number.",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_on__isnull=False),
                name="change_order_approved_has_date",
                violation_error_message="An approved change order needs its approval date.",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def is_billable(self):
        return self.status == self.Status.APPROVED


class ChangeOrderLine(ScheduledLine):
    """A line a change order adds to the SOV (or deducts from it, with a negative value)."""

    change_order = models.ForeignKey(ChangeOrder, on_delete=models.CASCADE, related_name="lines")

    objects = ScopedManager(company="change_order__contract__project__company")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.number} {self.description}"

    @property
    def number(self):
        return f"{self.change_order.number}.{self.position}"

    @property
    def contract(self):
        return self.change_order.contract


class SSOVLine(models.Model):
    """A subcontractor's breakdown of one commitment SOV line; the details of a line sum
    exactly to it."""

    sov_line = models.ForeignKey(SOVLine, on_delete=models.CASCADE, related_name="ssov_lines")
    position = models.PositiveIntegerField(default=0)
    description = models.CharField(max_length=300)
    scheduled_value = models.DecimalField(**MONEY)

    objects = ScopedManager(company="sov_line__contract__project__company")

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "subcontractor SOV line"

    def __str__(self):
        return f"{self.number} {self.description}"

    @property
    def number(self):
        return f"{self.sov_line.number}.{self.position}"

    @property
    def contract(self):
        return self.sov_line.contract
