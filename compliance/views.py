"""Compliance pages (docs/compliance.md): the company's document types, a vendor's
documents, a project's rules, and the invoice page's upload for its contacts."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from invoices.views import EDIT_ACTIONS
from permissions.access import ProjectPermissions, requires
from tenancy.access import company_admin_required, member_required
from tenancy.forms import add_service_error

from . import gates, selectors, services
from .forms import ComplianceDocumentForm, ComplianceSettingsForm, DocumentTypeForm


@company_admin_required
@require_http_methods(["GET", "POST"])
def document_types(request, company):
    form = DocumentTypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            document_type = services.document_type_save(
                company=company, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{document_type.name} added.")
            return redirect("compliance_document_types", company=company.slug)
    return render(
        request,
        "compliance/document_types.html",
        {"form": form, "document_types": selectors.document_types(company)},
        status=422 if form.errors else 200,
    )


@company_admin_required
@require_http_methods(["GET", "POST"])
def document_type_edit(request, company, document_type):
    form = DocumentTypeForm(
        request.POST or None,
        initial={"name": document_type.name, "has_coverage": document_type.has_coverage},
    )
    if request.method == "POST" and request.POST.get("delete"):
        try:
            services.document_type_delete(document_type=document_type, acting_user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(
                "compliance_document_type", company=company.slug, document_type=document_type.pk
            )
        messages.success(request, f"{document_type.name} deleted.")
        return redirect("compliance_document_types", company=company.slug)
    if request.method == "POST" and form.is_valid():
        try:
            services.document_type_save(
                company=company,
                document_type=document_type,
                acting_user=request.user,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Document type saved.")
            return redirect("compliance_document_types", company=company.slug)
    return render(
        request,
        "compliance/document_type_form.html",
        {"form": form, "document_type": document_type},
        status=422 if form.errors else 200,
    )


@company_admin_required
@require_http_methods(["GET", "POST"])
def vendor_document_add(request, company, vendor):
    """A document for all the vendor's work (company-wide)."""
    form = ComplianceDocumentForm(request.POST or None, request.FILES or None, company=company)
    if request.method == "POST" and form.is_valid():
        try:
            document = services.compliance_document_add(
                vendor=vendor,
                acting_user=request.user,
                upload=form.cleaned_data.pop("file"),
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{document.document_type.name} on file for {vendor.name}.")
            return redirect("vendor_detail", company=company.slug, vendor=vendor.pk)
    return render(
        request,
        "compliance/vendor_document_form.html",
        {"form": form, "vendor": vendor},
        status=422 if form.errors else 200,
    )


@member_required
@require_GET
def compliance_document_download(request, company, compliance_document):
    """A vendor's document, to any member; a commitment's, to those who see the
    commitment (a private one's list, docs/permissions.md rule 3)."""
    contract = compliance_document.contract
    if contract is not None and not request.company_access.is_admin:
        permissions = ProjectPermissions(request.user, contract.project, company_admin=False)
        if not permissions.can_see(contract):
            raise Http404("No such document.")
    return _download(compliance_document)


@requires("preview_invoice", "view_contract", on="invoice")
@require_GET
def invoice_compliance_document(request, company, project, contract, invoice, compliance_document):
    """A compliance document that counts for this invoice's commitment (its vendor's
    company-wide ones and the commitment's own), to whoever sees the invoice page: its
    contacts included, who are not members (docs/compliance.md). Another commitment's, or
    another vendor's, is 404 here, as it would be to an outsider."""
    if not (
        contract.is_commitment
        and compliance_document.vendor_id == contract.vendor_id
        and compliance_document.contract_id in (None, contract.pk)
    ):
        raise Http404("No such document.")
    return _download(compliance_document)


def _download(compliance_document):
    try:
        file = compliance_document.file.open("rb")
    except FileNotFoundError:  # its storage lost it: as missing as the row would be
        raise Http404("No such document.") from None
    return FileResponse(
        file,
        as_attachment=True,
        filename=compliance_document.name,
        content_type=compliance_document.content_type,
    )


@company_admin_required
@require_POST
def compliance_document_delete(request, company, compliance_document):
    services.compliance_document_delete(document=compliance_document, acting_user=request.user)
    messages.success(request, f"{compliance_document.name} removed.")
    return redirect("vendor_detail", company=company.slug, vendor=compliance_document.vendor_id)


@requires("configure_progress_billings")
@require_http_methods(["GET", "POST"])
def compliance_settings(request, company, project):
    """Which document types the project requires of its commitments' vendors, and what
    each gates (docs/compliance.md)."""
    settings = services.compliance_settings(project)
    form = ComplianceSettingsForm(
        request.POST or None,
        initial={"expiring_days": settings.expiring_days},
        document_types=selectors.document_types(company),
        rules=settings.rules.all(),
        company_days=company.compliance_expiring_days,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.compliance_settings_update(
                project=project,
                expiring_days=form.cleaned_data["expiring_days"],
                gates=form.gates(),
                minimums=form.minimums(),
                acting_user=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Compliance settings saved.")
            return redirect("compliance_settings", company=company.slug, project=project.pk)
    return render(
        request,
        "compliance/settings.html",
        {"form": form, "actions": gates.Action},
        status=422 if form.errors else 200,
    )


@requires(*EDIT_ACTIONS, on="invoice")
@require_http_methods(["GET", "POST"])
def invoice_compliance_upload(request, company, project, contract, invoice):
    """An invoice contact (or an admin) puts a document on file for this commitment, from
    the invoice page, where the list of what is missing is shown."""
    if not contract.is_commitment or contract.vendor_id is None:
        raise Http404("A client contract has no compliance documents.")
    form = ComplianceDocumentForm(request.POST or None, request.FILES or None, company=company)
    if request.method == "POST" and form.is_valid():
        try:
            document = services.compliance_document_add(
                vendor=contract.vendor,
                contract=contract,
                acting_user=request.user,
                upload=form.cleaned_data.pop("file"),
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{document.document_type.name} on file. Thank you.")
            return redirect(invoice)
    return render(
        request,
        "compliance/invoice_upload.html",
        {
            "form": form,
            "invoice": invoice,
            "contract": contract,
            "requirements": gates.requirements(contract),
        },
        status=422 if form.errors else 200,
    )
