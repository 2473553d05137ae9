"""The subcontractor invoicing page of a billing period: every commitment and its state."""

from dataclasses import dataclass

import django_filters
from django.db.models import Count, Q

from contracts.models import Contract
from tenancy.forms import IdChoiceField
from tenancy.models import Vendor

from .models import Invitation, Invoice

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
GROUPS = {"status": "Status", "vendor": "Vendor"}


@dataclass
class Row:
    commitment: Contract
    invoice: Invoice | None
    state: str
    invitation: str | None = None  # the contacts' answer, also once an invoice exists

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

    Search and vendor filter the commitments; state and group apply to the rows, since a
    commitment's state is worked out from its invoice and invitations (invoicing_rows)."""

    search = django_filters.CharFilter(method="filter_search", max_length=200)
    vendor = IdChoiceFilter(queryset=Vendor.objects.none())
    state = django_filters.ChoiceFilter(choices=list(STATES.items()), method="on_rows")
    group = django_filters.ChoiceFilter(choices=list(GROUPS.items()), method="on_rows")

    class Meta:
        model = Contract
        fields = []

    def __init__(self, data, *, project):
        commitments = (
            Contract.objects.filter(project=project)
            .exclude(kind=Contract.Kind.CLIENT)
            .select_related("vendor")
            .annotate(contact_count=Count("invoice_contacts"))
            .order_by("number")
        )
        super().__init__(data, queryset=commitments)
        self.filters["vendor"].queryset = self.vendors = Vendor.objects.filter(
            commitments__project=project
        ).distinct()

    def filter_search(self, queryset, name, value):
        return queryset.filter(
            Q(number__icontains=value)
            | Q(title__icontains=value)
            | Q(vendor__name__icontains=value)
        )

    def on_rows(self, queryset, name, value):
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


def invoicing_rows(*, project, period, permissions, filters):
    """One row per commitment the user may see, filtered and grouped (`filters`, an
    InvoicingFilter of the project); three queries."""
    commitments = filters.qs
    state, group = filters.value("state"), filters.value("group")
    visible = permissions.visible(commitments)
    ids = [c.pk for c in visible]
    invoices = {
        invoice.contract_id: invoice
        for invoice in Invoice.objects.filter(period=period, contract__in=ids)
    }
    invited = _invitation_states(period, ids)
    rows = [
        Row(
            c,
            invoices.get(c.pk),
            _state(c, invoices.get(c.pk), invited.get(c.pk)),
            invited.get(c.pk),
        )
        for c in visible
    ]
    if state:
        # A row with an invoice also answers to its contacts' state ("Draft · invited").
        rows = [row for row in rows if state in (row.state, row.invitation)]
    if group == "status":
        rows.sort(key=lambda row: list(STATES).index(row.state))
    elif group == "vendor":
        rows.sort(key=lambda row: row.vendor_name)
    return rows


def _invitation_states(period, contract_ids):
    """{commitment id: its invitation state}: accepted if any contact accepted, invited
    while any has not answered, declined when the others declined, replaced or withdrawn
    when no invitation is left (the contacts removed, say): it can be invited again."""
    answers = {}
    for contract_id, status in Invitation.objects.filter(
        period=period, contract__in=contract_ids
    ).values_list("contract_id", "status"):
        answers.setdefault(contract_id, set()).add(status)
    order = [
        Invitation.Status.ACCEPTED,
        Invitation.Status.INVITED,
        Invitation.Status.DECLINED,
        Invitation.Status.REVOKED,
    ]
    return {
        contract_id: next(status for status in order if status in statuses)
        for contract_id, statuses in answers.items()
    }


def _state(commitment, invoice, invitation_state):
    if invoice is not None:
        return invoice.status
    if not commitment.contact_count:
        return "no_contacts"
    if commitment.ssov_required and commitment.ssov_status != Contract.SSOVStatus.APPROVED:
        return "ssov_not_approved"
    return invitation_state or "not_invited"


def client_invoices(*, project, period):
    return Invoice.objects.filter(
        period=period, contract__project=project, contract__kind=Contract.Kind.CLIENT
    ).select_related("contract")
