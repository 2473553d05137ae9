"""Writes on contracts, their schedules of values, change orders and subcontractor SOVs."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from permissions.services import contract_private_users_set

from . import selectors
from .models import MONEY, ChangeOrder, ChangeOrderLine, Contract, SOVLine, SSOVLine, out_of_range
from .money import MAX_RETAINAGE_RULES, ZERO, money
from .signals import (
    change_order_withdrawn,
    contract_terms_changed,
    invoice_contacts_removed,
    new_contract_defaults,
)

Status = ChangeOrder.Status


def _next_position(lines):
    return (lines.aggregate(last=Max("position"))["last"] or 0) + 1


def _unit_value(contract, fields):
    """A unit-based line's scheduled value is its quantity × unit price, to the cent."""
    if not contract.is_unit_based:
        fields["quantity"] = fields["unit_price"] = None
        fields["unit"] = ""
        return fields
    if fields.get("quantity") is None or fields.get("unit_price") is None:
        raise ValidationError("A unit-based line needs a quantity and a unit price.")
    fields["scheduled_value"] = money(fields["quantity"] * fields["unit_price"])
    if message := out_of_range(MONEY, fields["scheduled_value"], "The scheduled value"):
        raise ValidationError({"quantity": message})
    return fields


def _require_sov_editable(contract):
    if contract.invoices.exists():
        raise ValidationError(
            "This contract has been invoiced: its schedule of values changes through change "
            "orders now."
        )


def contract_defaults(*, project, kind):
    """What a new contract of `project` starts with where its creator gives nothing: the
    project's settings (docs/settings.md), answered by the apps above (contracts.signals).
    A client contract takes the retainage defaults only, a commitment also its own."""
    defaults = {}
    for _receiver, answer in new_contract_defaults.send(sender=Contract, project=project):
        defaults |= answer or {}
    if kind == Contract.Kind.CLIENT:
        defaults = {name: value for name, value in defaults.items() if name in CLIENT_DEFAULTS}
    return defaults


# The defaults a client contract takes; commitments take every one.
CLIENT_DEFAULTS = ("retainage_work_rate", "retainage_materials_rate", "retainage_rules")


@transaction.atomic
def contract_create(*, project, acting_user, invoice_contacts=(), private_list=(), **fields):
    """A new contract; what `fields` leaves out comes from the project's settings
    (contract_defaults), and later changes to them leave it as it is."""
    fields = contract_defaults(project=project, kind=fields.get("kind")) | fields
    contract = Contract(project=project, **fields)
    contract.full_clean()
    contract.save()
    if contract.is_commitment:
        contract_invoice_contacts_set(
            contract=contract, people=invoice_contacts, acting_user=acting_user
        )
        contract_private_users_set(contract=contract, users=private_list)
    return contract


@transaction.atomic
def contract_update(*, contract, acting_user, invoice_contacts=None, private_list=None, **fields):
    """Change a contract; its accounting method is fixed once it has lines. The invoice
    contacts and the private list change only when given (None: as they are)."""
    method = fields.get("accounting_method", contract.accounting_method)
    if method != contract.accounting_method and contract.sov_lines.exists():
        raise ValidationError(
            {"accounting_method": "The accounting method is fixed once the SOV has lines."}
        )
    for name, value in fields.items():
        setattr(contract, name, value)
    contract.full_clean()
    contract.save()
    if invoice_contacts is not None:
        contract_invoice_contacts_set(
            contract=contract, people=invoice_contacts, acting_user=acting_user
        )
    if private_list is not None:
        contract_private_users_set(contract=contract, users=private_list)
    contract_terms_changed.send(sender=Contract, contract=contract)
    return contract


@transaction.atomic
def contract_invoice_contacts_set(*, contract, people, acting_user):
    """Make exactly these directory people the commitment's invoice contacts.

    The field is the one record of who they are: the access it gives is read from it
    (permissions.access), nothing is copied. A person taken off loses their open
    invitations to bill; invoices does that on the `invoice_contacts_removed` signal,
    because contracts sit below invoices and import none of it (docs/tenancy.md).
    """
    people = list(people)
    if people and not contract.is_commitment:
        raise ValidationError("Only commitments have invoice contacts.")
    if any(person.vendor_id != contract.vendor_id for person in people):
        raise ValidationError(
            {"invoice_contacts": "Invoice contacts work for the contract's vendor."}
        )
    removed = list(contract.invoice_contacts.exclude(pk__in=[person.pk for person in people]))
    contract.invoice_contacts.set(people)
    if removed:
        invoice_contacts_removed.send(
            sender=Contract, contract=contract, people=removed, acting_user=acting_user
        )


def _require_sums_fit(contract):
    """Each line fits its column, but the sums the contract's invoices store (original sum,
    net change, contract sum to date) must fit theirs too, or no invoice of the contract could
    be made or read back (docs/contracts.md#limits). Summed here from the lines, which fit."""
    original = sum(contract.sov_lines.values_list("scheduled_value", flat=True), ZERO)
    changes = sum(
        ChangeOrderLine.objects.filter(
            change_order__contract=contract, change_order__status=Status.APPROVED
        ).values_list("scheduled_value", flat=True),
        ZERO,
    )
    for label, value in (
        ("The original contract sum", original),
        ("The net change by change orders", changes),
        ("The contract sum to date", original + changes),
    ):
        if message := out_of_range(MONEY, value, label):
            raise ValidationError(message)


@transaction.atomic
def sov_line_add(*, contract, **fields):
    _require_sov_editable(contract)
    fields = _unit_value(contract, fields)
    position = _next_position(contract.sov_lines.all())
    if not fields.get("number"):
        fields["number"] = str(position)
    line = SOVLine.objects.create(contract=contract, position=position, **fields)
    _require_sums_fit(contract)
    return line


@transaction.atomic
def sov_line_update(*, line, **fields):
    _require_sov_editable(line.contract)
    for name, value in _unit_value(line.contract, fields).items():
        setattr(line, name, value)
    line.save()
    _require_sums_fit(line.contract)
    return line


@transaction.atomic
def sov_line_delete(*, line):
    _require_sov_editable(line.contract)
    line.delete()


@transaction.atomic
def sov_line_move(*, line, up):
    """Swap the line with its neighbour above (or below); positions are renumbered 1..n."""
    _require_sov_editable(line.contract)
    lines = list(line.contract.sov_lines.all())
    index = lines.index(line)
    other = index - 1 if up else index + 1
    if 0 <= other < len(lines):
        lines[index], lines[other] = lines[other], lines[index]
    for position, each in enumerate(lines, start=1):
        each.position = position
    SOVLine.objects.bulk_update(lines, ["position"])


def retainage_rules_checked(rules):
    """(from % complete, rate) pairs as Contract.retainage_rules stores them, in order;
    ValidationError for more than five, two at one threshold, or a percent beyond 0–100.
    Also the project's default rules (billing settings) pass here."""
    if len(rules) > MAX_RETAINAGE_RULES:
        raise ValidationError(f"A contract has at most {MAX_RETAINAGE_RULES} retainage rules.")
    thresholds = [from_percent for from_percent, _ in rules]
    if len(set(thresholds)) != len(thresholds):
        raise ValidationError("Two rules start at the same percent complete.")
    if any(not ZERO <= value <= 100 for rule in rules for value in rule):
        raise ValidationError("Percents complete and rates are between 0 and 100.")
    return [
        {"from_percent": str(from_percent), "rate": str(rate)}
        for from_percent, rate in sorted(rules)
    ]


@transaction.atomic
def retainage_rules_set(*, contract, rules):
    """Replace the sliding scale: up to five (from % complete, rate) pairs."""
    contract.retainage_rules = retainage_rules_checked(rules)
    contract.save(update_fields=["retainage_rules", "updated_at"])
    contract_terms_changed.send(sender=Contract, contract=contract)
    return contract.sliding_scale


@transaction.atomic
def change_order_create(*, contract, title, number="", description=""):
    if not number:
        number = f"CO-{contract.change_orders.count() + 1}"
    change_order = ChangeOrder(
        contract=contract, number=number, title=title, description=description
    )
    change_order.full_clean()
    change_order.save()
    return change_order


def _require_change_order_open(change_order):
    if change_order.status not in (Status.DRAFT, Status.PENDING):
        raise ValidationError(
            f"Change order {change_order.number} is {change_order.get_status_display().lower()}; "
            "only draft and pending change orders change."
        )


@transaction.atomic
def change_order_line_add(*, change_order, **fields):
    _require_change_order_open(change_order)
    fields = _unit_value(change_order.contract, fields)
    position = _next_position(change_order.lines.all())
    return ChangeOrderLine.objects.create(change_order=change_order, position=position, **fields)


@transaction.atomic
def change_order_line_delete(*, line):
    _require_change_order_open(line.change_order)
    line.delete()


@transaction.atomic
def change_order_set_status(*, change_order, status, approved_on=None):
    """Move a change order through its cycle. Approval makes its lines billable from the
    period that contains `approved_on`; a billed change order can no longer be withdrawn."""
    if status == Status.APPROVED:
        if approved_on is None:
            raise ValidationError({"approved_on": "Give the date the change order was approved."})
        if not change_order.lines.exists():
            raise ValidationError("A change order needs at least one line to be approved.")
    elif change_order.status == Status.APPROVED:
        change_order_withdrawn.send(sender=ChangeOrder, change_order=change_order)
    change_order.status = status
    change_order.approved_on = approved_on if status == Status.APPROVED else None
    change_order.save()
    _require_sums_fit(change_order.contract)
    contract_terms_changed.send(sender=Contract, contract=change_order.contract)
    return change_order


def ssov_mismatches(contract):
    """SOV lines whose detail lines do not sum exactly to them: [(line, details total)]."""
    lines = selectors.contract_detail_lines(contract)
    return [
        (line, line.details_total)
        for line in lines
        if line.details_total is not None and line.details_total != line.scheduled_value
    ]


def _require_ssov_editable(contract):
    if contract.ssov_status in (Contract.SSOVStatus.UNDER_REVIEW, Contract.SSOVStatus.APPROVED):
        raise ValidationError(
            f"The subcontractor SOV is {contract.get_ssov_status_display().lower()}; "
            "it changes again once sent back for revision."
        )
    if contract.invoices.exists():
        raise ValidationError("This commitment has been invoiced; its subcontractor SOV is fixed.")


@transaction.atomic
def ssov_line_add(*, sov_line, description, scheduled_value):
    _require_ssov_editable(sov_line.contract)
    position = _next_position(sov_line.ssov_lines.all())
    return SSOVLine.objects.create(
        sov_line=sov_line,
        position=position,
        description=description,
        scheduled_value=scheduled_value,
    )


@transaction.atomic
def ssov_line_delete(*, ssov_line):
    _require_ssov_editable(ssov_line.sov_line.contract)
    ssov_line.delete()


SSOV_TRANSITIONS = {
    Contract.SSOVStatus.DRAFT: {Contract.SSOVStatus.UNDER_REVIEW},
    Contract.SSOVStatus.UNDER_REVIEW: {
        Contract.SSOVStatus.REVISE_RESUBMIT,
        Contract.SSOVStatus.APPROVED,
    },
    Contract.SSOVStatus.REVISE_RESUBMIT: {Contract.SSOVStatus.UNDER_REVIEW},
    Contract.SSOVStatus.APPROVED: {Contract.SSOVStatus.REVISE_RESUBMIT},
}


@transaction.atomic
def ssov_set_status(*, contract, status):
    """Draft → Under review → (Revise & resubmit ↔ Under review) → Approved."""
    if status not in Contract.SSOVStatus.values:
        raise ValidationError("Choose a status for the subcontractor SOV.")
    if status not in SSOV_TRANSITIONS[contract.ssov_status]:
        raise ValidationError(
            f"A subcontractor SOV that is {contract.get_ssov_status_display().lower()} cannot "
            f"become {Contract.SSOVStatus(status).label.lower()}."
        )
    if status == Contract.SSOVStatus.APPROVED and contract.invoices.exists():
        raise ValidationError("This commitment has been invoiced; its subcontractor SOV is fixed.")
    if status in (Contract.SSOVStatus.UNDER_REVIEW, Contract.SSOVStatus.APPROVED):
        mismatches = ssov_mismatches(contract)
        if mismatches:
            raise ValidationError(
                [
                    f"Line {line.number}: its details total {total:,.2f}, the line "
                    f"{line.scheduled_value:,.2f} (off by {total - line.scheduled_value:,.2f})."
                    for line, total in mismatches
                ]
            )
    contract.ssov_status = status
    contract.save(update_fields=["ssov_status", "updated_at"])
    return contract
