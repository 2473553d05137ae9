"""What a commitment's vendor has on file against what its project requires, and the gates
that refuse an invoice action while something required is missing or expired
(docs/compliance.md). A status is derived from the dates each time, never stored."""

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from permissions.access import permissions_of

from .models import ComplianceDocument, ComplianceRule, PaymentOverride


class Status(models.TextChoices):
    MISSING = "missing", "Missing"
    VALID = "valid", "Valid"
    EXPIRING = "expiring", "Expiring soon"
    EXPIRED = "expired", "Expired"
    BELOW_MINIMUM = "below_minimum", "Coverage below the minimum"


class Action(models.TextChoices):
    SUBMIT = "submit", "Submitting an invoice"
    APPROVE = "approve", "Approving an invoice"
    PAY = "pay", "Paying an invoice"


GATE_FIELD = {
    Action.SUBMIT: "gates_submit",
    Action.APPROVE: "gates_approve",
    Action.PAY: "gates_payment",
}
BLOCKING = (Status.MISSING, Status.EXPIRED, Status.BELOW_MINIMUM)


def covers(document, minimum):
    """Whether the document's coverage meets the rule's minimum (no minimum: any does; no
    amount on file: it does not)."""
    if minimum is None:
        return True
    return document.coverage_amount is not None and document.coverage_amount >= minimum


def dollars(amount):
    return f"${amount:,.2f}"


def status_of(document, *, today, expiring_days):
    """A document's status on `today`: valid through its expiry date, expired the day after;
    no expiry date never expires (a W-9)."""
    if document is None:
        return Status.MISSING
    if document.expires_on is None:
        return Status.VALID
    if document.expires_on < today:
        return Status.EXPIRED
    if document.expires_on <= today + timedelta(days=expiring_days):
        return Status.EXPIRING
    return Status.VALID


def current(documents, today):
    """The document that counts among several of one type: the one that lasts longest
    among those not expired, else the one that expired last."""
    if not documents:
        return None
    far = today + timedelta(days=365 * 1000)
    return max(
        documents,
        key=lambda d: (
            d.expires_on is None or d.expires_on >= today,
            d.expires_on or far,
            d.uploaded_at,
        ),
    )


@dataclass(frozen=True)
class Requirement:
    rule: ComplianceRule
    document: ComplianceDocument | None
    status: str

    @property
    def document_type(self):
        return self.rule.document_type

    @property
    def blocking(self):
        return self.status in BLOCKING

    @property
    def status_label(self):
        return Status(self.status).label

    @property
    def problem(self):
        """What is wrong, in words, for the list a refused action shows."""
        if self.status == Status.MISSING:
            return f"{self.document_type.name}: missing."
        if self.status == Status.EXPIRED:
            return f"{self.document_type.name}: expired on {self.document.expires_on:%b %-d, %Y}."
        if self.status == Status.BELOW_MINIMUM:
            required = dollars(self.rule.minimum_coverage)
            if self.document.coverage_amount is None:
                name = self.document_type.name
                return f"{name}: no coverage amount on file, {required} required."
            return (
                f"{self.document_type.name} {dollars(self.document.coverage_amount)} below "
                f"the required {required}."
            )
        return ""


def requirements(contract, *, action=None, today=None):
    """Each document type the commitment's project requires (of `action`'s gate only, if
    given), with the document that counts and its status. None for a client contract,
    whose party is the owner, not a vendor."""
    found = requirements_of(contract.project_id, [contract], action=action, today=today)
    return found.get(contract.pk, [])


def requirements_of(project_id, contracts, *, action=None, today=None):
    """requirements() of many commitments of one project, in two queries: {contract id:
    [Requirement]} (a list page, the invoicing page)."""
    commitments = [c for c in contracts if c.is_commitment and c.vendor_id is not None]
    if not commitments:
        return {}
    today = today or timezone.localdate()
    rules = ComplianceRule.objects.filter(settings__project=project_id).select_related(
        "document_type", "settings__project__company"
    )
    if action is not None:
        rules = rules.filter(**{GATE_FIELD[action]: True})
    rules = list(rules)
    if not rules:
        return {c.pk: [] for c in commitments}
    ids = {c.pk for c in commitments}
    documents = {}  # (vendor id, type id): the vendor's company-wide documents
    own = {}  # (contract id, type id): a commitment's own documents
    for document in ComplianceDocument.objects.filter(
        Q(contract__isnull=True) | Q(contract__in=ids),
        vendor__in={c.vendor_id for c in commitments},
        document_type__in=[rule.document_type_id for rule in rules],
    ):
        if document.contract_id is None:
            documents.setdefault((document.vendor_id, document.document_type_id), []).append(
                document
            )
        else:
            own.setdefault((document.contract_id, document.document_type_id), []).append(document)
    found = {}
    for contract in commitments:
        found[contract.pk] = []
        for rule in rules:
            kind = rule.document_type_id
            candidates = documents.get((contract.vendor_id, kind), []) + own.get(
                (contract.pk, kind), []
            )
            # A document that meets the rule's minimum counts before one that does not.
            minimum = rule.minimum_coverage
            document = current([d for d in candidates if covers(d, minimum)] or candidates, today)
            status = status_of(
                document, today=today, expiring_days=rule.settings.effective_expiring_days
            )
            if status in (Status.VALID, Status.EXPIRING) and not covers(document, minimum):
                status = Status.BELOW_MINIMUM
            found[contract.pk].append(Requirement(rule, document, status))
    return found


def problems(contract, action, *, today=None):
    return [r.problem for r in requirements(contract, action=action, today=today) if r.blocking]


def check(contract, action, *, today=None):
    """Refuse `action` on the commitment while a document its gate requires is missing or
    expired: a ValidationError that lists each."""
    found = problems(contract, action, today=today)
    if found:
        raise ValidationError(
            [
                f"{Action(action).label} waits for {contract.vendor}'s compliance documents:",
                *found,
            ]
        )


# The hooks invoices.gates runs (registered in apps.py): invoices cannot import this app.
def submit_gate(invoice):
    check(invoice.contract, Action.SUBMIT)


def approve_gate(invoice):
    check(invoice.contract, Action.APPROVE)


def may_override(user, contract):
    """Only an Admin of the commitment's payments may pay past a gate (the same row as
    recording the payment, T2-4)."""
    if user is None:
        return False
    return permissions_of(user, contract.project).can("create_payment_issued", obj=contract)


def payment_gate(invoice, acting_user, override_reason=""):
    """The payments app asks before recording a payment on `invoice`: refused while a
    document gating payment is missing or expired, unless an Admin overrides with a
    reason, which is recorded (and returned). None when nothing was missing."""
    contract = invoice.contract
    found = problems(contract, Action.PAY)
    if not found:
        return None
    reason = (override_reason or "").strip()
    if not reason:
        check(contract, Action.PAY)
    if not may_override(acting_user, contract):
        raise ValidationError(
            ["Only an Admin may pay past missing or expired compliance documents:", *found]
        )
    return PaymentOverride.objects.create(
        invoice=invoice, missing="\n".join(found), reason=reason[:2000], overridden_by=acting_user
    )
