"""Writes on invoices: create for a period, edit a line, submit, keep drafts current.

Every figure comes from the engine (billing.engine) through pay_application. A line edit
computes its line alone while no other line can move, and the whole invoice when it moves
a sliding scale's rate (docs/invoices.md, "Writing many lines"); what many lines' edits
change is written at once (line_writes).
"""

import logging
from copy import copy

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from billing.engine import (
    RetainagePolicy,
    Severity,
    carried_forward,
    contract_overbilling,
    period_work_segments,
    row_change,
)
from billing.fieldsets import field_rules
from billing.models import BillingSettings
from billing.selectors import overbilling_rule
from billing.services import invoice_number_take
from contracts.models import Contract
from contracts.selectors import billable_items

from . import gates, notices, pay_application
from .emails import notify_revise_resubmit
from .events import Kind, event_record
from .line_writes import changed_lines, figures_of, lines_read, lines_write
from .models import Invoice, InvoiceLine, ReviewStatus

Status = Invoice.Status
BATCH_SIZE = 1000  # rows per INSERT: 1,000 lines × 50 columns stays under PostgreSQL's limit
logger = logging.getLogger(__name__)


class StaleEdit(Exception):
    """The line changed since the editor loaded it; `line` holds what is there now."""

    def __init__(self, line):
        super().__init__(
            f"Line {line.number} was changed by someone else while you edited it; "
            "here it is as saved now."
        )
        self.line = line


@transaction.atomic
def invoice_create(
    *,
    contract,
    period,
    acting_user,
    number="",
    billing_date=None,
    invoice_type=Invoice.Type.PROGRESS,
):
    """Start the contract's invoice for `period`, from its last invoice's frozen figures.

    The contract row is locked while the invoice is made, so two people creating at once
    get one invoice and the other a clear message, never two invoices or a duplicate number.
    """
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    previous = latest_invoice(contract)
    check_can_invoice(contract, period, previous)
    sequence = (previous.sequence if previous else 0) + 1
    number = (number or "").strip() or _next_number(contract, sequence)
    if contract.invoices.filter(number=number).exists():
        raise ValidationError({"number": f"This contract already has an invoice #{number}."})
    invoice = Invoice(
        contract=contract,
        period=period,
        sequence=sequence,
        number=number,
        billing_date=billing_date or timezone.localdate(),
        period_start=period.start_date,
        period_end=period.end_date,
        invoice_type=invoice_type,
    )
    try:
        with transaction.atomic():
            invoice.save()
    except IntegrityError as error:  # the lock makes this rare; the constraint makes it safe
        raise ValidationError("This contract already has an invoice for this period.") from error
    previous_lines = list(previous.lines.all()) if previous else []
    lines = _new_lines(invoice, billable_items(contract, through=period.end_date), previous_lines)
    _recompute(invoice, lines, contract)
    _require_fits(invoice, lines)
    InvoiceLine.objects.bulk_create(lines, batch_size=BATCH_SIZE)
    invoice.save(update_fields=pay_application.SAVED_FIELDS)
    event_record(
        invoice,
        Kind.CREATED,
        acting_user=acting_user,
        to_status=invoice.status,
        detail=f"For {period}.",
    )
    return invoice


def _next_number(contract, sequence):
    """The contract's sequence, or with the project's pattern its next number (taken under
    the settings row's lock, docs/settings.md), past any typed on this contract."""
    while (number := invoice_number_take(project=contract.project_id)) is not None:
        if not contract.invoices.filter(number=number).exists():
            return number
    return str(sequence)


def latest_invoice(contract):
    return contract.invoices.select_related("period").order_by("-sequence").first()


def check_can_invoice(contract, period, previous):
    """Refuse (ValidationError) a new invoice of the contract for `period`, when it cannot
    have one; `previous` is its latest invoice."""
    if period.project_id != contract.project_id:
        raise ValidationError("The billing period belongs to another project.")
    if contract.status != Contract.Status.APPROVED:
        raise ValidationError(
            f"{contract} is {contract.get_status_display().lower()}; only approved contracts "
            "are invoiced."
        )
    if contract.ssov_required and contract.ssov_status != Contract.SSOVStatus.APPROVED:
        raise ValidationError(
            f"{contract} needs an approved subcontractor SOV before it is invoiced."
        )
    if previous is None:
        return
    if previous.period_id == period.pk:
        raise ValidationError(f"{contract} already has {previous.title} for this period.")
    if previous.period.position > period.position:
        raise ValidationError(
            f"{contract} is already invoiced for a later period ({previous.period})."
        )
    if previous.is_editable:
        raise ValidationError(
            f"{previous.title} of {contract} is still "
            f"{previous.get_status_display().lower()}; submit it before starting the next."
        )


def _new_lines(invoice, items, previous_lines):
    """One line per billable item, carrying the previous invoice's to-date figures.

    A line billed before that is no longer billable is carried too: history stays whole.
    """
    previous_by_source = {line.source_key: line for line in previous_lines}
    lines = []
    for item in items:
        line = InvoiceLine(invoice=invoice, position=len(lines) + 1, **item)
        before = previous_by_source.pop(line.source_key, None)
        if before is not None:
            _carry(before, line)
        lines.append(line)
    for before in previous_by_source.values():
        line = InvoiceLine(
            invoice=invoice,
            position=len(lines) + 1,
            **{
                name: getattr(before, name)
                for name in (
                    "sov_line_id",
                    "change_order_line_id",
                    "ssov_line_id",
                    "number",
                    "description",
                    "cost_code",
                    "change_order_number",
                    "change_order_approved_on",
                    "scheduled_value",
                    "unit",
                    "unit_price",
                    "scheduled_quantity",
                )
            },
        )
        _carry(before, line)
        lines.append(line)
    return lines


def _carry(before, line):
    """The previous invoice's "to date" becomes this one's "previous", exactly.

    A stored line has the engine's row fields under the same names, frozen at submission.
    """
    for name, value in carried_forward(before).items():
        setattr(line, name, value)


def _recompute(invoice, lines, contract, *, inputs=None):
    """Run the engine over all lines (`inputs`: their engine inputs, if built already);
    store the figures. The result, for its issues, and the lines whose figures moved."""
    policy = pay_application.retainage_policy(contract)
    result = pay_application.compute_invoice(invoice, lines, policy, inputs=inputs)
    changed = pay_application.store_rows(lines, result)
    pay_application.store_g702(invoice, result)
    return result, changed


@transaction.atomic
def invoice_line_update(*, line, version, reviewing=False, **entries):
    """Save what was typed on one line, if nobody saved the line since `version`.

    `entries` are entry fields (see pay_application.ENTRY_FIELDS) or `percent_complete` or
    `complete=True`. A reviewer (`reviewing`) may also adjust an invoice under review; the
    amounts claimed before the first adjustment are kept beside the approved ones.
    Refused, with nothing changed: a stale version (StaleEdit), an invoice that is not
    editable, an entry the engine rejects, or overbilling where the project forbids it.
    The result: the saved line, its invoice with the new G702 and totals, and the other
    lines whose figures the edit moved (a sliding scale re-rates them).
    """
    # The contract as the URL's lookup read it: terms that change refresh the drafts, which
    # moves every line's version, so an edit begun under the old terms is refused below.
    invoice = invoice_lock(line.invoice_id, contract=line.invoice.contract)
    stored_sums = copy(invoice)
    policy = pay_application.retainage_policy(invoice.contract)
    if policy.work_rules:
        # A sliding scale re-rates lines without moving their versions (below): the line
        # as it is now, read under the lock, with the sum that places the period.
        line = pay_application.line_placed(invoice, line.pk)
        line.invoice = invoice
    # Without one, the caller's copy, read before the lock: had the line moved since, its
    # version would have too (every write of a line's figures moves it, but for the lines
    # a sliding scale re-rates; and a contract leaves its sliding scale only through a
    # drafts refresh, which moves every line's). The version-guarded write then refuses
    # the edit, and the transaction rolls back.
    target = copy(line)
    if target.version != version:
        raise StaleEdit(target)
    if reviewing and invoice.status == Status.UNDER_REVIEW:
        _keep_claimed(target)
    else:
        _require_editable(invoice)
    before = pay_application.stored_row(target)
    pay_application.apply_entry(target, **entries)
    result = _line_alone(invoice, target, before, policy)
    others = []
    if alone := result is not None:  # only this line moves: the sums move by its change
        pay_application.store_rows([target], result)
        pay_application.apply_row_change(invoice, row_change(before, result.rows[0]))
    else:  # a sliding scale's rates move: recompute every line, read under the lock
        lines = [target if each.pk == target.pk else each for each in invoice.lines.all()]
        stored = figures_of(lines, pay_application.COMPUTED_FIELDS)
        result, changed = _recompute(invoice, lines, invoice.contract)
        others = [each for each in changed if each.pk != target.pk]
    _raise_line_issues(result, target, invoice, before, entries=entries)
    if alone:
        pay_application.apply_rate_change(invoice, target, result.rows[0])
    elif others:
        # What the new rates moved (on the lines with work this period), in one statement.
        others, fields = changed_lines(others, stored, pay_application.COMPUTED_FIELDS)
        lines_write(invoice, others, fields, move_versions=False)
    _line_edit_save(target, version, invoice, line=line, sums=stored_sums)
    return target, invoice, others


def _line_alone(invoice, line, before, policy):
    """The engine's result for the edited `line` alone (`before`: as it was stored), when
    no other line's figures can move: always without a sliding scale; with one, when the
    period keeps one rate, the same, before and after the edit (docs/invoices.md, sliding
    scale). None otherwise. It reads no other line: the invoice's stored sums (ΣC, ΣG) and
    the line's `previous_completed` (pay_application.line_placed) place the period."""
    if not policy.work_rules:
        return pay_application.compute_invoice(invoice, [line], policy)
    scheduled, completed = invoice.contract_sum_to_date, invoice.total_completed_and_stored
    previous = line.previous_completed
    parts = period_work_segments(policy, scheduled, previous, completed)
    if len(parts) > 1:  # the period is split at a threshold: any edit moves the split
        return None
    flat = RetainagePolicy(work_rate=parts[0][1], materials_rate=policy.materials_rate)
    result = pay_application.compute_invoice(invoice, [line], flat)
    completed += result.rows[0].completed_to_date - before.completed_to_date
    if period_work_segments(policy, scheduled, previous, completed) != parts:
        return None
    return result


def _line_edit_save(target, version, invoice, *, line, sums):
    """Write the line's edit, only over `version`, then the invoice's new figures: a line
    saved by someone else since matches no row, and the edit is refused (docs/tenancy.md).
    Only the columns that moved are written, from `line` and `sums` as read (a cell save
    moves a few of them; docs/invoices.md, cell save)."""
    moved = _moved(target, line, pay_application.EDITED_FIELDS)
    edited = {name: getattr(target, name) for name in moved}
    saved = InvoiceLine.objects.filter(pk=target.pk, version=version).update(
        **edited, version=version + 1
    )
    if not saved:  # the line moved since: the transaction undoes the other lines' writes
        raise StaleEdit(InvoiceLine.objects.get(pk=target.pk))
    target.version = version + 1
    if moved := _moved(invoice, sums, pay_application.SAVED_FIELDS):
        invoice.save(update_fields=moved)


def _moved(obj, was, fields):
    """Those of `fields` whose value on `obj` differs from `was`, an earlier copy of it."""
    return [name for name in fields if getattr(obj, name) != getattr(was, name)]


def _keep_claimed(line):
    """Before a reviewer's first adjustment, remember what the contact claimed."""
    if not line.was_adjusted:
        line.claimed_work_this_period = line.work_this_period
        line.claimed_quantity_this_period = line.quantity_this_period
        line.claimed_materials_stored = line.materials_stored


@transaction.atomic
def invoice_submit(*, invoice, acting_user):
    """Submit for review: every line valid, figures stored, frozen until sent back."""
    invoice = invoice_lock(invoice.pk)
    _require_editable(invoice)
    _require_fieldsets(invoice)
    gates.run(gates.SUBMIT_GATES, invoice)
    was = invoice.status
    lines = list(invoice.lines.all())
    result, changed = _recompute(invoice, lines, invoice.contract)
    blocking = list(result.errors)
    if _overbilling_forbidden(invoice):
        blocking += result.warnings
    if blocking:
        raise ValidationError([issue.message for issue in blocking])
    lines_write(invoice, changed, pay_application.COMPUTED_FIELDS, move_versions=True)
    invoice.status = Status.UNDER_REVIEW
    invoice.submitted_at = timezone.now()
    invoice.save(update_fields=[*pay_application.SAVED_FIELDS, "status", "submitted_at"])
    event_record(
        invoice, Kind.SUBMITTED, acting_user=acting_user, from_status=was, to_status=invoice.status
    )
    notices.invoice_submitted_notice(invoice, was=was, acting_user=acting_user)
    return invoice


# The invoice's own details (its General Information) a Draft or Revise & Resubmit edits,
# by the fieldset that governs each (docs/invoices.md, "General Information").
DETAILS = {
    "number": "invoice_number",
    "billing_date": "billing_date",
    "period_start": "period_dates",
    "period_end": "period_dates",
    "comments": "comments",
}
DETAIL_LABELS = {
    "number": "invoice number",
    "billing_date": "billing date",
    "period_start": "period start",
    "period_end": "period end",
    "comments": "comments",
}


@transaction.atomic
def invoice_update_details(*, invoice, acting_user, **fields):
    """Save the invoice number, billing date, period dates and comments given in `fields`
    on an editable invoice: the number unique on its contract, the period in order, a
    field the project hides refused. Records what changed as an event."""
    if unknown := set(fields) - set(DETAILS):
        raise ValueError(f"Not an invoice detail: {', '.join(sorted(unknown))}")
    invoice = invoice_lock(invoice.pk)
    _require_editable(invoice)
    hidden = field_rules(invoice.contract.project_id).hidden()
    errors = {
        name: "This field is hidden on this project." for name in fields if DETAILS[name] in hidden
    }
    if "number" in fields:
        fields["number"] = (fields["number"] or "").strip()
        number = fields["number"]
        if not number:
            errors["number"] = "Enter the invoice number."
        elif invoice.contract.invoices.filter(number=number).exclude(pk=invoice.pk).exists():
            errors["number"] = f"This contract already has an invoice #{number}."
    for name in ("billing_date", "period_start", "period_end"):
        if name in fields and fields[name] is None:
            errors[name] = f"Enter the {DETAIL_LABELS[name]}."
    start = fields.get("period_start", invoice.period_start)
    end = fields.get("period_end", invoice.period_end)
    if start and end and start > end and "period_end" not in errors:
        errors["period_end"] = "The period ends before it starts."
    if "comments" in fields:
        fields["comments"] = (fields["comments"] or "").strip()
    if errors:
        raise ValidationError(errors)
    changed = [name for name, value in fields.items() if getattr(invoice, name) != value]
    if not changed:
        return invoice
    for name in changed:
        setattr(invoice, name, fields[name])
    try:
        with transaction.atomic():
            invoice.save(update_fields=changed)
    except IntegrityError as error:  # a number taken since the check: the constraint says so
        raise ValidationError(
            {"number": f"This contract already has an invoice #{invoice.number}."}
        ) from error
    labels = [DETAIL_LABELS[name] for name in changed]
    event_record(
        invoice,
        Kind.DETAILS_UPDATED,
        acting_user=acting_user,
        detail=", ".join(labels).capitalize() + ".",
    )
    return invoice


# What a required field asks for when it is missing (docs/invoices.md, "Fieldsets").
MISSING = {
    "attachments": "Attach at least one file: this project requires attachments.",
    "billing_date": "Enter the billing date: this project requires it.",
    "invoice_number": "Enter the invoice number: this project requires it.",
    "period_dates": "Enter the period's start and end dates: this project requires them.",
    "comments": "Enter comments: this project requires them.",
}


def _require_fieldsets(invoice):
    """Refuse to submit while a field the project requires is empty, naming each one."""
    required = field_rules(invoice.contract.project_id).required
    present = {
        "attachments": lambda: invoice.attachments.exists(),
        "billing_date": lambda: invoice.billing_date is not None,
        "invoice_number": lambda: bool(invoice.number.strip()),
        "period_dates": lambda: invoice.period_start is not None and invoice.period_end is not None,
        "comments": lambda: bool(invoice.comments.strip()),
    }
    missing = [MISSING[name] for name, check in present.items() if required[name] and not check()]
    if missing:
        raise ValidationError(missing)


def _require_fits(invoice, lines, fields=pay_application.EDITED_FIELDS):
    """Refuse figures the columns cannot hold: stored, they could not be read back.
    `fields`: those the lines' change may have moved (the others were stored)."""
    if beyond := pay_application.beyond_columns(lines, invoice, fields):
        raise ValidationError(beyond[0])


@transaction.atomic
def invoice_drafts_refresh(*, contract):
    """Bring the contract's editable invoices up to date with the contract: change orders
    approved (or withdrawn) since they were made, and its retainage terms."""
    for draft in contract.invoices.filter(status__in=Invoice.EDITABLE_STATUSES):
        invoice = invoice_lock(draft.pk)  # not while someone's line edit moves its sums
        existing = lines_read(invoice)
        billed = {
            f"{name}_id": {getattr(line, f"{name}_id") for line in existing}
            for _kind, name in InvoiceLine.SOURCES
        }
        # The sources not billed yet, after the last line.
        last = max((each.position for each in existing), default=0)
        items = billable_items(contract, through=invoice.period_end, billed=billed)
        lines = [
            *existing,
            *(
                InvoiceLine(invoice=invoice, position=position, **item)
                for position, item in enumerate(items, last + 1)
            ),
        ]
        stored = figures_of(existing, pay_application.COMPUTED_FIELDS)
        _recompute(invoice, lines, contract)
        # The lines whose figures moved, and only the columns that moved.
        moved, fields = changed_lines(existing, stored, pay_application.COMPUTED_FIELDS)
        added = lines[len(existing) :]
        # The unmoved lines are as stored, so they fit their columns: the others are checked,
        # the moved ones in the columns that moved.
        _require_fits(invoice, moved, fields)
        _require_fits(invoice, added)
        InvoiceLine.objects.bulk_create(added)
        lines_write(invoice, moved, fields, move_versions=True)
        # The others' versions move too: a cell save without a sliding scale edits from the
        # copy its request read before the lock, and the sliding scale this refresh may
        # have ended rewrote lines without moving their versions (invoice_line_update).
        moved_ids = {each.pk for each in moved}
        unmoved = [each for each in existing if each.pk not in moved_ids]
        lines_write(invoice, unmoved, (), move_versions=True)
        invoice.save(update_fields=pay_application.SAVED_FIELDS)


def _require_editable(invoice):
    if not invoice.is_editable:
        raise ValidationError(f"{invoice.title} {invoice.status_phrase}; its figures are frozen.")


def _overbilling_forbidden(invoice):
    """The project's rule: overbilling is refused unless the project allows it (flagged
    or not: the pages decide, billing.selectors.overbilling_flagged)."""
    return overbilling_rule(invoice.contract.project_id) == BillingSettings.Overbilling.FORBID


def invoice_lock(invoice_id, *, contract=None):
    """The invoice, read again within the tenant and locked against concurrent edits, with
    its contract (or `contract`, the caller's copy, which it already read). Only the
    invoice's row is locked (`of`), not the contract and project rows the scope joins to
    check the company (docs/tenancy.md)."""
    invoices = Invoice.objects.select_for_update(of=("self",))
    if contract is None:
        return invoices.select_related("contract").get(pk=invoice_id)
    invoice = invoices.get(pk=invoice_id)
    invoice.contract = contract
    return invoice


def _raise_line_issues(result, line, invoice, before, *, entries):
    """Refuse the edit for the line's errors (and overbilling, where forbidden), per field.

    The invoice's sums are already the edited ones. The contract is overbilled when its
    completed and stored to date passes the contract sum to date; an edit that adds to
    that is refused like a line past its own value, one that takes from it never is.
    A finding is shown at the entry that caused it (overbilling found on the work, say,
    when stored materials were typed), so that only the cell typed in is marked. The
    engine's findings say what is wrong; only without them is an entry whose figures would
    not fit their columns refused, in one sentence.
    """
    typed = next(iter(entries), NON_FIELD_ERRORS)
    issues = [issue for issue in result.issues if issue.key == line.position]
    overbilled = any(issue.code == "overbilled" for issue in issues)
    adds_to_overbilled = invoice.is_overbilled and line.completed_to_date > before.completed_to_date
    forbidden = (overbilled or adds_to_overbilled) and _overbilling_forbidden(invoice)
    errors = {}

    def refuse(field, message):
        messages = errors.setdefault(field if field in entries else typed, [])
        if message not in messages:
            messages.append(message)

    for issue in issues:
        if issue.severity is Severity.ERROR or (forbidden and issue.code == "overbilled"):
            refuse(issue.field, issue.message)
    if forbidden and adds_to_overbilled and not overbilled:
        issue = contract_overbilling(
            invoice.contract_sum_to_date, invoice.total_completed_and_stored
        )
        refuse(issue.field, issue.message)
    if not errors and pay_application.beyond_columns([line], invoice):
        refuse(typed, f"Line {line.number}: this entry is too large for this line.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def invoice_set_status(*, invoice, status, acting_user):
    """An admin's status change. An invoice that a later one builds on stays frozen.

    Sent back to Revise & Resubmit, its invoice contacts are told, as after a review."""
    if status not in Status.values:
        raise ValidationError("Choose a status.")
    invoice = invoice_lock(invoice.pk)  # the status it has now, not the caller's copy
    reopening = status in Invoice.EDITABLE_STATUSES and not invoice.is_editable
    if reopening and invoice.contract.invoices.filter(sequence__gt=invoice.sequence).exists():
        raise ValidationError(f"{invoice.title} cannot be reopened: a later invoice builds on it.")
    if invoice.is_editable and status not in Invoice.EDITABLE_STATUSES:
        invoice = invoice_submit(invoice=invoice, acting_user=acting_user)
    was = invoice.status
    if status == was:
        return invoice
    gates.approving(invoice, status)
    invoice.status = status
    invoice.save(update_fields=["status"])
    event_record(
        invoice, Kind.STATUS_CHANGED, acting_user=acting_user, from_status=was, to_status=status
    )
    if status == Status.REVISE_RESUBMIT:
        notify_revise_resubmit(invoice, [], reviewer=acting_user)
    notices.invoice_status_notice(invoice, was=was, acting_user=acting_user)
    return invoice


@transaction.atomic
def invoices_set_status(*, invoices, status, acting_user):
    """One status on many invoices (the invoicing page's bulk action): each invoice changes
    or is refused on its own, as invoice_set_status would. The number changed, and the
    refusals."""
    changed, refused = 0, []
    for invoice in invoices:
        try:
            invoice_set_status(invoice=invoice, status=status, acting_user=acting_user)
        except ValidationError as error:  # its savepoint is undone, its emails with it
            refused += error.messages
        else:
            changed += 1
    return changed, refused


@transaction.atomic
def invoice_lines_bulk_update(
    *,
    invoice,
    line_ids,
    percent_complete=None,
    retainage_work_rate=None,
    release_all=False,
    reviewing=False,
    acting_user,
):
    """The same change on many lines at once, all or nothing; the number of lines changed."""
    invoice = invoice_lock(invoice.pk)
    if not (reviewing and invoice.status == Status.UNDER_REVIEW):
        _require_editable(invoice)
    lines = lines_read(invoice)
    # Only the fields this change can move are compared and written (not all EDITED_FIELDS).
    edited = _bulk_fields(percent_complete, retainage_work_rate, release_all, reviewing)
    stored = figures_of(lines, edited)
    wanted = set(line_ids)
    selected = [line for line in lines if line.pk in wanted]
    inputs = {}
    for line in selected:
        if reviewing:
            _keep_claimed(line)
        entries = {}
        if retainage_work_rate is not None:
            entries["retainage_work_rate"] = retainage_work_rate
        if release_all:
            entries["retainage_work_released"] = (
                line.previous_retainage_work + line.retainage_work_this_period
            )
            entries["retainage_materials_released"] = (
                line.previous_retainage_materials + line.retainage_materials_this_period
            )
        if percent_complete is not None:
            entries["percent_complete"] = percent_complete
        inputs[line.pk] = pay_application.apply_entry(line, **entries)
    completed_before = invoice.total_completed_and_stored
    result, _changed = _recompute(
        invoice,
        lines,
        invoice.contract,
        inputs=[inputs.get(line.pk) or pay_application.line_input(line) for line in lines],
    )
    errors = [i.message for i in result.errors if i.key in {line.position for line in selected}]
    if _overbilling_forbidden(invoice):
        # As for one line's edit: an overbilled contract refuses what adds to it only.
        adds = invoice.total_completed_and_stored > completed_before
        errors += [i.message for i in result.warnings if i.key is not None or adds]
    # Only the lines whose figures moved, and only the columns that moved, are checked
    # (the rest was stored, so it fits) and written, in one statement.
    moved, fields = changed_lines(lines, stored, edited)
    # The engine's findings say what is wrong; without them, one sentence for figures that
    # would not fit their columns (not one per column, line and sum).
    if not errors and pay_application.beyond_columns(moved, invoice, fields):
        errors = ["This change is too large for these lines: its figures would not fit."]
    if errors:
        raise ValidationError(errors)
    lines_write(invoice, moved, fields, move_versions=True)
    invoice.save(update_fields=pay_application.SAVED_FIELDS)
    event_record(
        invoice,
        Kind.LINES_UPDATED,
        acting_user=acting_user,
        detail=_bulk_detail(len(selected), percent_complete, retainage_work_rate, release_all),
    )
    return len(selected)


def _bulk_fields(percent_complete, retainage_work_rate, release_all, reviewing):
    """The fields of EDITED_FIELDS that a bulk change may move: what it enters (apply_entry),
    what a reviewer's first adjustment keeps (_keep_claimed), and the computed figures."""
    entered = [
        *(pay_application.PERCENT_FIELDS if percent_complete is not None else ()),
        *(("retainage_work_rate",) if retainage_work_rate is not None else ()),
        *(("retainage_work_released", "retainage_materials_released") if release_all else ()),
        *(
            ("claimed_work_this_period", "claimed_quantity_this_period", "claimed_materials_stored")
            if reviewing
            else ()
        ),
    ]
    return (*entered, *pay_application.COMPUTED_FIELDS)


def _bulk_detail(count, percent_complete, retainage_work_rate, release_all):
    changes = []
    if percent_complete is not None:
        changes.append(f"{percent_complete}% complete")
    if retainage_work_rate is not None:
        changes.append(f"retainage rate {retainage_work_rate}%")
    if release_all:
        changes.append("retainage released")
    return f"{count} line{'s' if count != 1 else ''}: {', '.join(changes)}."


@transaction.atomic
def invoice_review(*, invoice, decisions, outcome, acting_user):
    """An admin's review: each line approved or rejected (with a reason), then an outcome.

    `decisions` maps line ids to (review status, reason). Any rejected line sends the
    invoice back to Revise & Resubmit whatever the outcome asked for, and its invoice
    contacts are told why, line by line.
    """
    invoice = invoice_lock(invoice.pk)
    if invoice.status != Status.UNDER_REVIEW:
        raise ValidationError(f"{invoice.title} {invoice.status_phrase}, not under review.")
    lines = {line.pk: line for line in invoice.lines.all()}
    for pk, (review_status, reason) in decisions.items():
        line = lines[pk]
        if review_status == ReviewStatus.REJECTED and not reason.strip():
            raise ValidationError(f"Line {line.number}: say why it is rejected.")
        line.review_status, line.review_reason = review_status, reason.strip()
    InvoiceLine.objects.bulk_update(lines.values(), ["review_status", "review_reason"])
    rejected = [line for line in lines.values() if line.review_status == ReviewStatus.REJECTED]
    invoice.status = Status.REVISE_RESUBMIT if rejected else outcome
    gates.approving(invoice, invoice.status)
    invoice.save(update_fields=["status"])
    event_record(
        invoice,
        Kind.REVIEWED,
        acting_user=acting_user,
        from_status=Status.UNDER_REVIEW,
        to_status=invoice.status,
        detail=f"{len(rejected)} line{'s' if len(rejected) != 1 else ''} rejected."
        if rejected
        else "",
    )
    if rejected:
        notify_revise_resubmit(invoice, rejected, reviewer=acting_user)
    notices.invoice_status_notice(invoice, was=Status.UNDER_REVIEW, acting_user=acting_user)
    return invoice, rejected


@transaction.atomic
def invoice_delete(*, invoice, acting_user):
    """Delete an invoice, unless a later invoice of the contract builds on its figures.

    Its history goes with it (docs/invoices.md, "Who did what"): who deleted it is logged."""
    invoice = invoice_lock(invoice.pk)
    if invoice.contract.invoices.filter(sequence__gt=invoice.sequence).exists():
        raise ValidationError(f"{invoice.title} cannot be deleted: a later invoice builds on it.")
    pk = invoice.pk
    try:
        invoice.delete()
    except ProtectedError:
        # An app above protects its rows on the invoice (payments: docs/payments.md).
        raise ValidationError(
            f"{invoice.title} cannot be deleted: payments are recorded against it."
        ) from None
    logger.info(
        "Invoice %s (#%s of contract %s) deleted by %s",
        pk,
        invoice.number,
        invoice.contract_id,
        acting_user or "the system",
    )
