"""The invoice PDF on the invoice page: asked for, watched while a worker makes it, offered
when ready. htmx swaps the status in place and polls it; without htmx, a page that
refreshes itself does the same."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from permissions.access import permissions_for, requires

from . import backups, documents, sending
from .editing import line_editing, may_attach, may_compile_backup
from .forms import InvoiceEmailForm
from .models import InvoiceDocument
from .views import EDIT_ACTIONS, EXPORT_ACTIONS, SEND_ACTIONS


@requires(*EXPORT_ACTIONS, on="invoice")
@require_POST
def invoice_pdf(request, company, project, contract, invoice):
    document = documents.document_request(
        invoice=invoice, kind=InvoiceDocument.Kind.PDF, requested_by=request.user
    )
    return _status_answer(request, invoice, document)


@requires("compile_invoice_backups", "manage_contract", on="invoice")
@require_POST
def invoice_backup(request, company, project, contract, invoice):
    """One PDF of the invoice, its attachments and, for a client invoice, the period's
    approved subcontractor invoices."""
    if not may_compile_backup(permissions_for(request), invoice):
        raise PermissionDenied("A client invoice's backup carries subcontractor invoices.")
    document = documents.document_request(
        invoice=invoice, kind=InvoiceDocument.Kind.BACKUP, requested_by=request.user
    )
    return _status_answer(request, invoice, document)


@requires(*EXPORT_ACTIONS, "compile_invoice_backups", on="invoice")
def invoice_document(request, company, project, contract, invoice, document):
    return _status_answer(request, invoice, document)


@requires(*EXPORT_ACTIONS, "compile_invoice_backups", on="invoice")
@require_POST
def invoice_document_retry(request, company, project, contract, invoice, document):
    document = documents.document_retry(document=document)
    return _status_answer(request, invoice, document)


@requires(*EXPORT_ACTIONS, "compile_invoice_backups", on="invoice")
def invoice_document_download(request, company, project, contract, invoice, document):
    if document.status != InvoiceDocument.Status.READY:
        raise Http404("This document is not ready.")
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.download_name,
        content_type="application/pdf",
    )


def _status_answer(request, invoice, document):
    context = {"invoice": invoice, "contract": invoice.contract, "document": document}
    if request.htmx:
        return render(request, "invoices/partials/document_status.html", context)
    if request.method == "POST":
        messages.success(request, f"The {document.label} is being made.")
        return redirect(
            "invoice_document",
            company=request.company.slug,
            project=invoice.contract.project_id,
            contract=invoice.contract_id,
            invoice=invoice.pk,
            document=document.pk,
        )
    return render(request, "invoices/invoice_document.html", context)


@requires(*SEND_ACTIONS, on="invoice")
@require_http_methods(["GET", "POST"])
def invoice_email(request, company, project, contract, invoice):
    """Email a client invoice, or forward a subcontractor invoice, with its PDF."""
    form = InvoiceEmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        queued, already_sent = sending.invoice_email(
            invoice=invoice,
            to=form.cleaned_data["to"],
            message=form.cleaned_data["message"],
            acting_user=request.user,
        )
        if queued:
            messages.success(
                request,
                f"{invoice.title} is on its way to {len(queued)} address"
                f"{'es' if len(queued) != 1 else ''}, with its PDF once it is made.",
            )
        if already_sent:
            messages.info(
                request,
                f"Already sent with this message in the last two minutes, so not sent "
                f"again: {', '.join(already_sent)}.",
            )
        return redirect(invoice)
    return render(
        request,
        "invoices/invoice_email.html",
        {"invoice": invoice, "contract": contract, "form": form},
        status=422 if form.errors else 200,
    )


@requires(*EDIT_ACTIONS, on="invoice")
@require_POST
def invoice_attachment_add(request, company, project, contract, invoice):
    _require_may_attach(request, invoice)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose a file to attach.")
    else:
        try:
            backups.attachment_add(invoice=invoice, upload=upload, uploaded_by=request.user)
        except ValidationError as error:
            messages.error(request, f"{upload.name}: {' '.join(error.messages)}")
        else:
            messages.success(request, f"{upload.name} attached.")
    return redirect(invoice)


@requires(*EDIT_ACTIONS, on="invoice")
@require_POST
def invoice_attachment_delete(request, company, project, contract, invoice, attachment):
    _require_may_attach(request, invoice)
    backups.attachment_delete(attachment=attachment)
    messages.success(request, f"{attachment.name} removed.")
    return redirect(invoice)


@requires("preview_invoice", "view_contract", on="invoice")
def invoice_attachment_download(request, company, project, contract, invoice, attachment):
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )


def _require_may_attach(request, invoice):
    permissions = permissions_for(request)
    if not may_attach(permissions, invoice, line_editing(permissions, invoice)):
        raise PermissionDenied("This invoice's attachments cannot be changed now.")
