"""The company's Payables (subcontractor invoices approved and not paid) and Receivables
(client invoices, scheduled against received): filtered by django-filter, counted, summed
and paged in the database (docs/payments.md, the lists).

A row is shown to the users who may record its payment: Admins on the Commitments tool of
its project for payables, on the Client Contracts tool for receivables (company admins
everywhere). Admins see private commitments too (docs/permissions.md, rule 3), so the
project is all there is to check.
"""

from datetime import timedelta

import django_filters
from django import forms
from django.db.models import DecimalField, Exists, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from contracts.models import MONEY, Contract
from contracts.money import ZERO
from invoices.models import Invoice
from permissions.levels import Level, Tool, codename
from permissions.models import ProjectUserObjectPermission
from tenancy.forms import IdChoiceField
from tenancy.models import Project, Vendor

from . import gates
from .models import PaymentScheduleItem, PaymentSettings
from .selectors import PAID, PAID_STATES, PAYABLE_STATUSES, paid_totals, with_paid


def payable_projects(request, tool):
    """The projects of the company where the user administers `tool`."""
    projects = Project.objects.filter(company=request.company)
    if request.company_access.is_admin:
        return projects
    granted = ProjectUserObjectPermission.objects.filter(
        user=request.user, permission__codename=codename(tool, Level.ADMIN)
    ).values("content_object_id")
    return projects.filter(pk__in=granted)


def _scheduled(condition=None):
    """What a client invoice's schedule expects (before a date, with `condition`)."""
    money = DecimalField(**MONEY)
    return Coalesce(
        Subquery(
            PaymentScheduleItem.objects.filter(condition or Q(), invoice=OuterRef("pk"))
            .order_by()
            .values("invoice")
            .annotate(total=Sum("amount"))
            .values("total"),
            output_field=money,
        ),
        Value(ZERO),
        output_field=money,
    )


class IdChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = IdChoiceField


# A yes/no filter reads "Any" when not given (Django's own select says "Unknown").
ANY_YES_NO = forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No")])


class _InvoiceList(django_filters.FilterSet):
    """Search, project, party and paid state; a value that is not valid is dropped, as if
    it were not given (as on the invoicing page)."""

    search = django_filters.CharFilter(method="filter_search", max_length=200)
    project = IdChoiceFilter(
        queryset=Project.objects.none(), field_name="contract__project", empty_label="All projects"
    )
    state = django_filters.ChoiceFilter(
        choices=list(PAID_STATES.items()), field_name="paid_state", empty_label="All paid states"
    )

    class Meta:
        model = Invoice
        fields = []

    TOOL = None

    def __init__(self, data, *, request):
        self.projects = payable_projects(request, self.TOOL)
        super().__init__(data, queryset=self.base(self.projects))
        self.filters["project"].queryset = self.projects.order_by("number", "pk")

    def filter_search(self, queryset, name, value):
        return queryset.filter(
            Q(number__icontains=value)
            | Q(contract__number__icontains=value)
            | Q(contract__title__icontains=value)
            | Q(contract__vendor__name__icontains=value)
            | Q(contract__client__name__icontains=value)
        )

    def value(self, name):
        self.form.is_valid()
        value = self.form.cleaned_data.get(name)
        if hasattr(value, "pk"):
            return str(value.pk)
        return "" if value in (None, False) else value


class PayablesFilter(_InvoiceList):
    TOOL = Tool.COMMITMENTS
    vendor = IdChoiceFilter(
        queryset=Vendor.objects.none(), field_name="contract__vendor", empty_label="All vendors"
    )
    late = django_filters.BooleanFilter(method="filter_late", widget=ANY_YES_NO)

    def __init__(self, data, *, request):
        super().__init__(data, request=request)
        self.filters["vendor"].queryset = Vendor.objects.filter(
            pk__in=Contract.objects.filter(project__in=self.projects).values("vendor")
        ).order_by("name", "pk")

    def base(self, projects):
        invoices = Invoice.objects.filter(
            contract__project__in=projects, status__in=PAYABLE_STATUSES
        ).exclude(contract__kind=Contract.Kind.CLIENT)
        return (
            with_paid(invoices)
            .select_related("contract__project", "contract__vendor")
            .order_by("billing_date", "pk")
        )

    def filter_late(self, queryset, name, value):
        """Late: not fully paid and its Pay by date (billing date + the project's payment
        terms, with_pay_by) before today (docs/payments.md, Payables)."""
        late = late_condition(self.projects) & ~Q(paid_state=PAID)
        return queryset.filter(late) if value else queryset.exclude(late)

    @property
    def qs(self):
        invoices = super().qs
        # Unless asked for paid ones, the list is what is still to pay.
        if not self.value("state"):
            invoices = invoices.exclude(paid_state=PAID)
        return invoices


class ReceivablesFilter(_InvoiceList):
    TOOL = Tool.CLIENT_CONTRACTS
    client = IdChoiceFilter(
        queryset=Vendor.objects.none(), field_name="contract__client", empty_label="All clients"
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", widget=ANY_YES_NO)

    def __init__(self, data, *, request):
        super().__init__(data, request=request)
        self.filters["client"].queryset = Vendor.objects.filter(
            pk__in=Contract.objects.filter(project__in=self.projects).values("client")
        ).order_by("name", "pk")

    def base(self, projects):
        today = timezone.localdate()
        invoices = Invoice.objects.filter(
            contract__project__in=projects, contract__kind=Contract.Kind.CLIENT
        ).exclude(status__in=Invoice.EDITABLE_STATUSES)
        return (
            with_paid(invoices)
            .annotate(
                scheduled=_scheduled(),
                # Received fills the schedule earliest first (selectors.schedule_of): it is
                # late when what was expected before today is more than was received.
                scheduled_past=_scheduled(Q(expected_on__lt=today)),
                has_schedule=Exists(PaymentScheduleItem.objects.filter(invoice=OuterRef("pk"))),
            )
            .select_related("contract__project", "contract__client")
            .order_by("billing_date", "pk")
        )

    def filter_overdue(self, queryset, name, value):
        late = Q(scheduled_past__gt=F("paid"))
        return queryset.filter(late) if value else queryset.exclude(late)


def payables_totals(invoices):
    return paid_totals(invoices)


def receivables_totals(invoices):
    today = timezone.localdate()
    return paid_totals(
        invoices,
        scheduled=Coalesce(Sum(_scheduled()), Value(ZERO)),
        scheduled_past=Coalesce(Sum(_scheduled(Q(expected_on__lt=today))), Value(ZERO)),
    )


DEFAULT_TERMS_DAYS = PaymentSettings._meta.get_field("payment_terms_days").default


def late_condition(projects, *, today=None):
    """Invoices of `projects` whose Pay by date has passed, as one condition: the billing
    date before today less the project's terms. One clause per distinct terms value (few),
    so the database filters, counts and pages the late ones; no date arithmetic in SQL."""
    today = today or timezone.localdate()
    terms = dict(
        PaymentSettings.objects.filter(project__in=projects).values_list(
            "project_id", "payment_terms_days"
        )
    )
    by_days = {}
    for project_id, days in terms.items():
        by_days.setdefault(days, []).append(project_id)
    condition = Q(billing_date__lt=today - timedelta(days=DEFAULT_TERMS_DAYS)) & ~Q(
        contract__project__in=list(terms)
    )
    for days, project_ids in by_days.items():
        condition |= Q(
            contract__project__in=project_ids, billing_date__lt=today - timedelta(days=days)
        )
    return condition


def with_pay_by(invoices):
    """The invoices (a page, or an export's list), each with `pay_by`: its billing date
    plus its project's payment terms (payments.models.PaymentSettings). One query."""
    invoices = list(invoices)
    terms = dict(
        PaymentSettings.objects.filter(
            project__in={invoice.contract.project_id for invoice in invoices}
        ).values_list("project_id", "payment_terms_days")
    )
    for invoice in invoices:
        days = terms.get(invoice.contract.project_id, DEFAULT_TERMS_DAYS)
        invoice.pay_by = invoice.billing_date + timedelta(days=days)
    return invoices


def blocked_by(invoice, user):
    """What the payment gates (lien waivers, compliance) say holds this invoice back."""
    return gates.blocked_by(invoice, user)
