"""The subcontractor invoicing page of a billing period: every commitment and its state."""

from dataclasses import dataclass
from datetime import date, datetime

import django_filters
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from contracts.models import Contract
from contracts.money import ZERO
from tenancy.forms import IdChoiceField
from tenancy.models import Vendor

from .models import DueDateExtension, Invitation, Invoice

# States a commitment can be in for a period before it has an invoice, then its invoice's.
NOT_INVOICED_STATES = {
    "no_contacts": "No invoice contacts",
    "ssov_not_approved": "SSOV not approved",
    "not_invited": "Not invited",
    **dict(Invitation.Status.choices),
}
STATES = NOT_INVOICED_STATES | dict(Invoice.Status.choices)
# Commitments that can be invited (again): the rest have no one to invite, or an invoice.
INVITABLE_STATES = {"not_invited", *Invitation.Status.values}
# A commitment's contacts' answer: accepted if any contact accepted, invited while any has
# not answered, declined when the others declined, replaced or withdrawn when no
# invitation is left (the contacts removed, say): it can be invited again.
INVITATION_ORDER = [
    Invitation.Status.ACCEPTED,
    Invitation.Status.INVITED,
    Invitation.Status.DECLINED,
    Invitation.Status.REVOKED,
]
GROUPS = {"status": "Status", "vendor": "Vendor"}


@dataclass
class Row:
    commitment: Contract
    invoice: Invoice | None
    state: str
    invitation: str | None = None  # the contacts' answer, also once an invoice exists
    last_reminded_at: datetime | None = None  # the latest reminder of its contacts
    extended_due: date | None = None  # the commitment's own due date (docs/periods.md)

    @property
    def state_label(self):
        return STATES[self.state]

    @property
    def invitation_label(self):
        """Beside an invoice's status: whether its contacts were invited to complete it."""
        if self.invoice is None or self.invitation is None:
            return ""
        return Invitation.Status(self.invitation).label.lower()

    @property
    def state_text(self):
        """The state as the page shows it, for exports."""
        if self.invitation_label:
            return f"{self.state_label} · {self.invitation_label}"
        return self.state_label

    @property
    def vendor_name(self):
        return self.commitment.vendor.name if self.commitment.vendor else ""


class IdChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = IdChoiceField


class InvoicingFilter(django_filters.FilterSet):
    """The invoicing page's filters, read from the query string by django-filter's form: a
    value that is not valid (text as a vendor id, an id of no vendor of the project, an
    unknown state, a NUL in the search) is dropped, as if it were not given.

    Search and vendor filter the commitments; state and group need the period, so
    invoicing_commitments applies them to the state it annotates."""

    search = django_filters.CharFilter(method="filter_search", max_length=200)
    vendor = IdChoiceFilter(queryset=Vendor.objects.none())
    state = django_filters.ChoiceFilter(choices=list(STATES.items()), method="on_period")
    group = django_filters.ChoiceFilter(choices=list(GROUPS.items()), method="on_period")

    class Meta:
        model = Contract
        fields = []

    def __init__(self, data, *, project):
        commitments = Contract.objects.filter(project=project).exclude(kind=Contract.Kind.CLIENT)
        super().__init__(data, queryset=commitments)
        # The vendors with a contract on the project: a small query on the project's
        # contracts, not a DISTINCT over every vendor joined to every contract.
        vendors = Vendor.objects.filter(
            pk__in=Contract.objects.filter(project=project).values("vendor")
        ).order_by("name", "pk")
        self.filters["vendor"].queryset = vendors
        self.vendors = vendors.values_list("pk", "name")

    def filter_search(self, queryset, name, value):
        return queryset.filter(
            Q(number__icontains=value)
            | Q(title__icontains=value)
            | Q(vendor__name__icontains=value)
        )

    def on_period(self, queryset, name, value):
        return queryset

    def value(self, name):
        """The valid value of a filter ("" when absent or dropped), as the page shows it."""
        self.form.is_valid()
        value = self.form.cleaned_data.get(name)
        if isinstance(value, Vendor):
            return str(value.pk)
        return value or ""

    def values(self):
        return {name: self.value(name) for name in self.filters}


def invoicing_commitments(*, period, permissions, filters):
    """The commitments the user may see, filtered and ordered (`filters`, an
    InvoicingFilter of the project), each annotated with its state for the period: a
    queryset, so that the page counts, sums and pages it in the database (docs/tenancy.md,
    lists and compression). The state: the invoice's status, else why the commitment
    cannot be invited (no contacts, SSOV not approved), else its contacts' answer."""
    commitments = permissions.visible(filters.qs).annotate(
        period_invoice=FilteredRelation("invoices", condition=Q(invoices__period=period)),
    )
    answered = {
        status: Exists(
            Invitation.objects.filter(contract=OuterRef("pk"), period=period, status=status)
        )
        for status in INVITATION_ORDER
    }
    commitments = commitments.annotate(
        invoice_id=F("period_invoice__id"),
        invitation=Case(
            *(When(answered[status], then=Value(status)) for status in INVITATION_ORDER),
            default=None,
            output_field=CharField(),
        ),
        # When its contacts were last reminded (docs/invite-to-bill.md, reminders).
        last_reminded_at=Subquery(
            Invitation.objects.filter(
                contract=OuterRef("pk"), period=period, last_reminded_at__isnull=False
            )
            .order_by("-last_reminded_at")
            .values("last_reminded_at")[:1]
        ),
    ).annotate(
        state=Case(
            When(invoice_id__isnull=False, then=F("period_invoice__status")),
            When(
                ~Exists(Contract.invoice_contacts.through.objects.filter(contract=OuterRef("pk"))),
                then=Value("no_contacts"),
            ),
            When(
                Q(ssov_required=True) & ~Q(ssov_status=Contract.SSOVStatus.APPROVED),
                then=Value("ssov_not_approved"),
            ),
            When(invitation__isnull=False, then=F("invitation")),
            default=Value("not_invited"),
            output_field=CharField(),
        )
    )
    state, group = filters.value("state"), filters.value("group")
    if state:
        # A row with an invoice also answers to its contacts' state ("Draft · invited").
        commitments = commitments.filter(Q(state=state) | Q(invitation=state))
    order = ["number", "pk"]
    if group == "status":
        position = Case(
            *(When(state=value, then=Value(i)) for i, value in enumerate(STATES)),
            output_field=IntegerField(),
        )
        order = [position, *order]
    elif group == "vendor":
        order = [F("vendor__name").asc(nulls_first=True), *order]
    return commitments.select_related("vendor").order_by(*order)


def invoicing_totals(commitments):
    """The sums of the whole filtered list, not of one page: one aggregate."""
    return commitments.aggregate(
        completed=Coalesce(Sum("period_invoice__total_completed_and_stored"), Value(ZERO)),
        retainage=Coalesce(Sum("period_invoice__total_retainage"), Value(ZERO)),
        payment_due=Coalesce(Sum("period_invoice__current_payment_due"), Value(ZERO)),
    )


def invoicing_rows(commitments):
    """The rows of some of those commitments (a page of them): two queries."""
    commitments = list(commitments)
    invoices = Invoice.objects.in_bulk(
        [c.invoice_id for c in commitments if c.invoice_id is not None]
    )
    return [
        Row(c, invoices.get(c.invoice_id), c.state, c.invitation, c.last_reminded_at)
        for c in commitments
    ]


def client_invoices(*, project, period):
    return Invoice.objects.filter(
        period=period, contract__project=project, contract__kind=Contract.Kind.CLIENT
    ).select_related("contract")


def with_extensions(rows, period):
    """The rows, each with its commitment's extended due date if an admin gave it one:
    one query."""
    extended = dict(
        DueDateExtension.objects.filter(
            period=period, contract__in=[row.commitment.pk for row in rows]
        ).values_list("contract_id", "due_date")
    )
    for row in rows:
        row.extended_due = extended.get(row.commitment.pk)
    return rows
