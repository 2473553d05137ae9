"""Reads shaped for the contract pages and for invoicing."""

from django.db.models import Count, DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from .models import MONEY, ChangeOrder, ChangeOrderLine, Contract, SOVLine, SSOVLine
from .money import ZERO


def _total(queryset, outer):
    """A subquery summing scheduled values per contract (joins would multiply the rows)."""
    total = (
        queryset.filter(**{outer: OuterRef("pk")})
        .order_by()
        .values(outer)
        .annotate(total=Sum("scheduled_value"))
        .values("total")
    )
    return Coalesce(Subquery(total), Value(ZERO), output_field=DecimalField(**MONEY))


def _original():
    return _total(SOVLine.objects.all(), "contract")


def _approved():
    return _total(
        ChangeOrderLine.objects.filter(change_order__status=ChangeOrder.Status.APPROVED),
        "change_order__contract",
    )


def with_sums(contracts):
    """Contracts with their original, approved-change and revised sums, from the database."""
    return contracts.annotate(original_sum=_original(), approved_changes=_approved()).annotate(
        revised_sum=F("original_sum") + F("approved_changes")
    )


def contract_sums(contract):
    return with_sums(Contract.objects.filter(pk=contract.pk)).values(
        "original_sum", "approved_changes", "revised_sum"
    )[0]


def contract_list(*, project, kind=None):
    contracts = with_sums(
        Contract.objects.filter(project=project).select_related("vendor", "client")
    )
    if kind == "client":
        contracts = contracts.filter(kind=Contract.Kind.CLIENT)
    elif kind == "commitments":
        contracts = contracts.exclude(kind=Contract.Kind.CLIENT)
    return contracts.order_by("kind", "number", "pk")


def contract_totals(contracts):
    """The sums of a whole list of contracts, not of one page: one aggregate of each
    contract's sums (with_sums' subqueries)."""
    totals = contracts.order_by().aggregate(
        original_sum=Coalesce(Sum(_original()), Value(ZERO)),
        approved_changes=Coalesce(Sum(_approved()), Value(ZERO)),
    )
    return {**totals, "revised_sum": totals["original_sum"] + totals["approved_changes"]}


def change_orders_of(contract):
    return contract.change_orders.annotate(
        total=Sum("lines__scheduled_value"), line_count=Count("lines")
    ).order_by("created_at", "id")


def billable_items(contract, *, through, billed=None):
    """The lines an invoice of `contract` for a period ending `through` bills, in order.

    SOV lines (replaced by their detail lines when the subcontractor SOV is approved), then
    the lines of change orders approved on or before `through`, each as the fields of an
    invoice line, its source named by id (`sov_line_id`, `ssov_line_id` or
    `change_order_line_id`). `billed`: for each of those names, the ids of the sources an
    invoice bills already, which are left out. The SOV and its details are read as values,
    not model instances: a drafts refresh reads all 2,000 lines of a large SOV on every
    contract edit, to find the few not billed yet (docs/invoices.md, "Writing many lines").
    """
    billed = billed or {}
    billed_sov, billed_ssov, billed_change_orders = (
        billed.get(name, ()) for name in ("sov_line_id", "ssov_line_id", "change_order_line_id")
    )
    ssov_approved = contract.ssov_status == Contract.SSOVStatus.APPROVED
    sov_lines = SOVLine.objects.filter(contract=contract).values(
        "pk", "number", "description", "cost_code", "scheduled_value", *UNIT_FIELDS
    )
    details = {}
    if ssov_approved:
        for detail in SSOVLine.objects.filter(sov_line__contract=contract).values(
            "pk", "sov_line", "position", "description", "scheduled_value"
        ):
            details.setdefault(detail["sov_line"], []).append(detail)
    items = []
    for line in sov_lines:
        if line_details := details.get(line["pk"]):
            items.extend(
                {
                    "ssov_line_id": detail["pk"],
                    "number": f"{line['number']}.{detail['position']}",
                    "description": detail["description"],
                    "cost_code": line["cost_code"],
                    "scheduled_value": detail["scheduled_value"],
                }
                for detail in line_details
                if detail["pk"] not in billed_ssov
            )
        elif line["pk"] not in billed_sov:
            items.append(
                {
                    "sov_line_id": line["pk"],
                    "number": line["number"],
                    "description": line["description"],
                    "cost_code": line["cost_code"],
                    "scheduled_value": line["scheduled_value"],
                    **_unit_fields(line),
                }
            )
    change_order_lines = (
        ChangeOrderLine.objects.filter(
            change_order__contract=contract,
            change_order__status=ChangeOrder.Status.APPROVED,
            change_order__approved_on__lte=through,
        )
        .select_related("change_order")
        .order_by("change_order__approved_on", "change_order_id", "position")
    )
    items.extend(
        {
            "change_order_line_id": line.pk,
            "number": line.number,
            "description": line.description,
            "cost_code": line.cost_code,
            "scheduled_value": line.scheduled_value,
            "change_order_number": line.change_order.number,
            "change_order_approved_on": line.change_order.approved_on,
            **_unit_fields({name: getattr(line, name) for name in UNIT_FIELDS}),
        }
        for line in change_order_lines
        if line.pk not in billed_change_orders
    )
    return items


UNIT_FIELDS = ("unit", "unit_price", "quantity")


def _unit_fields(line):
    """A unit-priced line's unit fields (`line`: its values by name)."""
    if line["unit_price"] is None:
        return {}
    return {
        "unit": line["unit"],
        "unit_price": line["unit_price"],
        "scheduled_quantity": line["quantity"],
    }


def contract_detail_lines(contract):
    """The SOV with its detail lines and their total, for the contract and SSOV pages."""
    return (
        SOVLine.objects.filter(contract=contract)
        .annotate(details_total=Sum("ssov_lines__scheduled_value"))
        .prefetch_related("ssov_lines")
        .order_by("position", "id")
    )
