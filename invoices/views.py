from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from contracts.views import _detail_page
from permissions.access import requires
from tenancy.forms import add_service_error

from . import selectors, services
from .forms import InvoiceCreateForm


def _to_invoice(invoice):
    contract = invoice.contract
    return redirect(
        "invoice_detail",
        company=contract.project.company.slug,
        project=contract.project_id,
        contract=contract.pk,
        invoice=invoice.pk,
    )


@requires("submit_new_invoice", "create_invoice_on_behalf", "manage_contract", on="contract")
@require_POST
def invoice_create(request, company, project, contract):
    form = InvoiceCreateForm(request.POST, project=project)
    if form.is_valid():
        try:
            invoice = services.invoice_create(
                contract=contract, created_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Invoice #{invoice.number} started for {invoice.period}.")
            return _to_invoice(invoice)
    return _detail_page(request, contract, invoice_form=form)


@requires("preview_invoice", "view_contract", on="invoice")
def invoice_detail(request, company, project, contract, invoice):
    return render(request, "invoices/invoice_detail.html", selectors.invoice_page(invoice))


@requires("submit_new_invoice", "manage_contract", on="invoice")
@require_POST
def invoice_submit(request, company, project, contract, invoice):
    try:
        services.invoice_submit(invoice=invoice)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"Invoice #{invoice.number} submitted for review.")
    return _to_invoice(invoice)
