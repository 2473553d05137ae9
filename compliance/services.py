"""Writes on compliance documents, their types and a project's rules (docs/compliance.md)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from contracts.models import MONEY, largest

# The same check as every upload (a PDF that opens, a PNG or a JPEG, 20 MB at most).
from invoices.backups import checked_upload

from .gates import Action
from .models import (
    DEFAULT_TYPES,
    ComplianceDocument,
    ComplianceRule,
    ComplianceSettings,
    DocumentType,
)

MAX_DOCUMENTS_PER_VENDOR = 500


def document_types_seed(company):
    """The default types of a new company (called when a company is created)."""
    DocumentType.objects.bulk_create(
        [DocumentType(company=company, name=n, has_coverage=c) for n, c in DEFAULT_TYPES],
        ignore_conflicts=True,
    )


@transaction.atomic
def document_type_save(*, company, name, has_coverage, document_type=None, acting_user):
    """Add a type, or rename one; a type in use keeps its documents under the new name."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the document type."})
    clash = DocumentType.objects.filter(company=company, name__iexact=name)
    if document_type is not None:
        clash = clash.exclude(pk=document_type.pk)
    if clash.exists():
        raise ValidationError({"name": "A document type of this name exists already."})
    if document_type is None:
        return DocumentType.objects.create(company=company, name=name, has_coverage=has_coverage)
    document_type.name, document_type.has_coverage = name, has_coverage
    document_type.save(update_fields=["name", "has_coverage"])
    return document_type


@transaction.atomic
def document_type_delete(*, document_type, acting_user):
    if document_type.documents.exists():
        raise ValidationError(f"{document_type.name} has documents on file: it cannot be deleted.")
    document_type.delete()


@transaction.atomic
def compliance_document_add(
    *,
    vendor,
    document_type,
    upload,
    acting_user,
    contract=None,
    issued_on=None,
    expires_on=None,
    coverage_amount=None,
):
    """Keep a document on file for the vendor (all its work) or one of its commitments."""
    errors = {}
    if contract is not None and contract.vendor_id != vendor.pk:
        raise ValidationError("This commitment is not with this vendor.")
    if document_type.company_id != vendor.company_id:
        errors["document_type"] = "Choose a document type."
    if issued_on and expires_on and expires_on < issued_on:
        errors["expires_on"] = "The expiry date must be on or after the issue date."
    if coverage_amount is not None and coverage_amount < 0:
        errors["coverage_amount"] = "A coverage amount is not negative."
    if upload is None:
        errors["file"] = "Choose a file: a PDF, a PNG or a JPEG."
    else:
        try:
            content_type = checked_upload(upload)
        except ValidationError as error:
            errors["file"] = error.messages
    if errors:
        raise ValidationError(errors)
    if vendor.compliance_documents.count() >= MAX_DOCUMENTS_PER_VENDOR:
        raise ValidationError(f"A vendor keeps at most {MAX_DOCUMENTS_PER_VENDOR} documents.")
    return ComplianceDocument.objects.create(
        company_id=vendor.company_id,
        vendor=vendor,
        contract=contract,
        document_type=document_type,
        file=upload,
        name=upload.name[-200:],
        content_type=content_type,
        size=upload.size,
        issued_on=issued_on,
        expires_on=expires_on,
        coverage_amount=coverage_amount if document_type.has_coverage else None,
        uploaded_by=acting_user,
    )


@transaction.atomic
def compliance_document_delete(*, document, acting_user):
    file = document.file
    document.delete()
    transaction.on_commit(lambda: file.storage.delete(file.name))


def compliance_settings(project):
    """The project's compliance options, created with the defaults on first use."""
    try:
        with transaction.atomic():
            settings, _ = ComplianceSettings.objects.get_or_create(project=project)
    except IntegrityError:  # two first uses at once: the other one created it
        settings = ComplianceSettings.objects.get(project=project)
    return settings


@transaction.atomic
def compliance_settings_update(*, project, expiring_days, gates, acting_user, minimums=None):
    """Save the project's rules: `gates` maps each document type to the set of actions it
    gates (an empty set: not required). Types left out are no longer required.
    `expiring_days` None: the project follows its company's setting. `minimums` maps a
    type with a coverage amount to the least coverage its rule accepts (None: any)."""
    if expiring_days is not None and not 0 <= expiring_days <= 365:
        raise ValidationError({"expiring_days": "Between 0 and 365 days."})
    minimums = minimums or {}
    for document_type, minimum in minimums.items():
        if minimum is None:
            continue
        field = f"type_{document_type.pk}_minimum"
        if not document_type.has_coverage:
            raise ValidationError({field: f"{document_type.name} has no coverage amount."})
        if not 0 <= minimum <= largest(MONEY):
            raise ValidationError({field: "Enter a minimum coverage the column can hold."})
    settings = compliance_settings(project)
    settings.expiring_days = expiring_days
    settings.save(update_fields=["expiring_days"])
    kept = []
    for document_type, actions in gates.items():
        if document_type.company_id != project.company_id:
            raise ValidationError("Choose document types of this company.")
        unknown = set(actions) - set(Action.values)
        if unknown:
            raise ValidationError("Choose submitting, approving or paying.")
        if not actions:
            continue
        ComplianceRule.objects.update_or_create(
            settings=settings,
            document_type=document_type,
            defaults={
                "gates_submit": Action.SUBMIT in actions,
                "gates_approve": Action.APPROVE in actions,
                "gates_payment": Action.PAY in actions,
                "minimum_coverage": minimums.get(document_type),
            },
        )
        kept.append(document_type.pk)
    settings.rules.exclude(document_type__in=kept).delete()
    return settings
