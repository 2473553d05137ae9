"""The subcontractor invoicing page of a billing period: every commitment and its state."""

from dataclasses import dataclass

from django.db.models import Count, Q

from contracts.models import Contract

from .models import Invoice

# States a commitment can be in for a period before it has an invoice, then its invoice's.
NOT_INVOICED_STATES = {
    "no_contacts": "No invoice contacts",
    "ssov_not_approved": "SSOV not approved",
    "not_invited": "Not invited",
}
STATES = NOT_INVOICED_STATES | dict(Invoice.Status.choices)
GROUPS = {"status": "Status", "vendor": "Vendor"}


@dataclass
class Row:
    commitment: Contract
    invoice: Invoice | None
    state: str

    @property
    def state_label(self):
        return STATES[self.state]

    @property
    def vendor_name(self):
        return self.commitment.vendor.name if self.commitment.vendor else ""


def invoicing_rows(*, project, period, permissions, search="", state="", vendor="", group=""):
    """One row per commitment the user may see, filtered and grouped; two queries."""
    commitments = (
        Contract.objects.filter(project=project)
        .exclude(kind=Contract.Kind.CLIENT)
        .select_related("vendor")
        .annotate(contact_count=Count("invoice_contacts"))
        .order_by("number")
    )
    if search:
        commitments = commitments.filter(
            Q(number__icontains=search)
            | Q(title__icontains=search)
            | Q(vendor__name__icontains=search)
        )
    if vendor:
        commitments = commitments.filter(vendor_id=vendor)
    visible = permissions.visible(commitments)
    invoices = {
        invoice.contract_id: invoice
        for invoice in Invoice.objects.filter(period=period, contract__in=[c.pk for c in visible])
    }
    rows = [Row(c, invoices.get(c.pk), _state(c, invoices.get(c.pk))) for c in visible]
    if state:
        rows = [row for row in rows if row.state == state]
    if group == "status":
        rows.sort(key=lambda row: list(STATES).index(row.state))
    elif group == "vendor":
        rows.sort(key=lambda row: row.vendor_name)
    return rows


def _state(commitment, invoice):
    if invoice is not None:
        return invoice.status
    if not commitment.contact_count:
        return "no_contacts"
    if commitment.ssov_required and commitment.ssov_status != Contract.SSOVStatus.APPROVED:
        return "ssov_not_approved"
    return "not_invited"


def client_invoices(*, project, period):
    return Invoice.objects.filter(
        period=period, contract__project=project, contract__kind=Contract.Kind.CLIENT
    ).select_related("contract")
