from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from invoices.forms import InvoiceCreateForm
from permissions.access import permissions_for, requires
from permissions.levels import Tool
from permissions.selectors import contract_private_users
from tenancy.forms import add_service_error, report_service_error

from . import selectors, services
from .forms import (
    ChangeOrderForm,
    ChangeOrderLineForm,
    ChangeOrderStatusForm,
    ContractForm,
    RetainageRuleFormSet,
    SOVLineForm,
    SSOVLineForm,
)
from .models import Contract

PAGE_SIZE = 50


def _redirect(name, contract, anchor="", **kwargs):
    response = redirect(
        name,
        company=contract.project.company.slug,
        project=contract.project_id,
        contract=contract.pk,
        **kwargs,
    )
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def _tool_asked(request):
    """The tool a new contract belongs to: Client Contracts for a client contract."""
    if request.GET.get("kind") == Contract.Kind.CLIENT:
        return Tool.CLIENT_CONTRACTS
    return Tool.COMMITMENTS


@requires("view_project")
def contract_list(request, company, project):
    """Counted, summed and paged by the database (docs/tenancy.md, lists and compression)."""
    kind = request.GET.get("kind", "")
    contracts = permissions_for(request).visible(
        selectors.contract_list(project=project, kind=kind)
    )
    return render(
        request,
        "contracts/contract_list.html",
        {
            "page": Paginator(contracts, PAGE_SIZE).get_page(request.GET.get("page")),
            "totals": selectors.contract_totals(contracts),
            "kind": kind,
        },
    )


@requires("manage_contract", tool_from=_tool_asked)
@require_http_methods(["GET", "POST"])
def contract_create(request, company, project):
    kind = request.GET.get("kind", Contract.Kind.SUBCONTRACT)
    if kind not in Contract.Kind.values:
        raise Http404("No such kind of contract.")
    # The form starts from the project's defaults (docs/settings.md); what is not on it
    # (the sliding scale) the service takes from them.
    initial = services.contract_defaults(project=project, kind=kind)
    form = ContractForm(request.POST or None, project=project, kind=kind, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            contract = services.contract_create(
                project=project, kind=kind, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{contract.get_kind_display()} {contract} created.")
            return _redirect("contract_detail", contract)
    return render(
        request,
        "contracts/contract_form.html",
        {"form": form, "kind_label": Contract.Kind(kind).label},
    )


@requires("manage_contract", on="contract")
@require_http_methods(["GET", "POST"])
def contract_edit(request, company, project, contract):
    form = ContractForm(
        request.POST or None, instance=contract, project=project, kind=contract.kind
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.contract_update(
                contract=contract, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Contract saved.")
            return _redirect("contract_detail", contract)
    return render(
        request,
        "contracts/contract_form.html",
        {"form": form, "contract": contract, "kind_label": contract.get_kind_display()},
    )


@requires("view_contract", on="contract")
def contract_detail(request, company, project, contract):
    return contract_page(request, contract)


def contract_page(request, contract, *, sov_form=None, invoice_form=None):
    """The contract page; a form that failed is shown again as typed, with its errors."""
    invoices = list(contract.invoices.select_related("period").order_by("sequence"))
    return render(
        request,
        "contracts/contract_detail.html",
        {
            "contract": contract,
            "sov_lines": list(selectors.contract_detail_lines(contract)),
            # Paged by the database, as every list (docs/tenancy.md, lists and compression).
            "change_orders": Paginator(selectors.change_orders_of(contract), PAGE_SIZE).get_page(
                request.GET.get("page")
            ),
            **selectors.contract_sums(contract),
            "rules": contract.sliding_scale,
            "contacts": list(contract.invoice_contacts.all()),
            "private_list": list(contract_private_users(contract)) if contract.is_private else [],
            "invoices": invoices,
            "sov_editable": not invoices,
            "sov_form": sov_form or SOVLineForm(contract=contract),
            "invoice_form": invoice_form or InvoiceCreateForm(project=contract.project),
        },
        status=200 if sov_form is None and invoice_form is None else 422,
    )


@requires("manage_contract", on="contract")
@require_POST
def sov_line_add(request, company, project, contract):
    form = SOVLineForm(request.POST, contract=contract)
    if form.is_valid():
        try:
            line = services.sov_line_add(contract=contract, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Line {line.number} added.")
            return _redirect("contract_detail", contract, "sov")
    return contract_page(request, contract, sov_form=form)


@requires("manage_contract", on="sov_line")
@require_http_methods(["GET", "POST"])
def sov_line_edit(request, company, project, contract, sov_line):
    form = SOVLineForm(request.POST or None, instance=sov_line, contract=contract)
    if request.method == "POST" and form.is_valid():
        try:
            services.sov_line_update(line=sov_line, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Line {sov_line.number} saved.")
            return _redirect("contract_detail", contract, "sov")
    return render(
        request,
        "contracts/sov_line_form.html",
        {"form": form, "contract": contract, "line": sov_line},
    )


@requires("manage_contract", on="sov_line")
@require_POST
def sov_line_move(request, company, project, contract, sov_line):
    try:
        services.sov_line_move(line=sov_line, up=request.POST.get("direction") == "up")
    except ValidationError as error:
        report_service_error(request, error)
    return _redirect("contract_detail", contract, "sov")


@requires("manage_contract", on="sov_line")
@require_POST
def sov_line_delete(request, company, project, contract, sov_line):
    try:
        services.sov_line_delete(line=sov_line)
    except ValidationError as error:
        report_service_error(request, error)
    else:
        messages.success(request, f"Line {sov_line.number} deleted.")
    return _redirect("contract_detail", contract, "sov")


@requires("manage_contract", on="contract")
@require_http_methods(["GET", "POST"])
def retainage_edit(request, company, project, contract):
    initial = [{"from_percent": start, "rate": rate} for start, rate in contract.sliding_scale]
    formset = RetainageRuleFormSet(request.POST or None, initial=initial)
    if request.method == "POST" and formset.is_valid():
        chosen = [
            (form.cleaned_data["from_percent"], form.cleaned_data["rate"])
            for form in formset
            if form.cleaned_data
        ]
        try:
            services.retainage_rules_set(contract=contract, rules=chosen)
        except ValidationError as error:
            formset.forms[0].add_error(None, error)
            report_service_error(request, error)
        else:
            messages.success(request, "Sliding-scale retainage saved.")
            return _redirect("contract_detail", contract, "retainage")
    return render(
        request, "contracts/retainage_form.html", {"formset": formset, "contract": contract}
    )


@requires("manage_contract", on="contract")
@require_http_methods(["GET", "POST"])
def change_order_create(request, company, project, contract):
    form = ChangeOrderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            change_order = services.change_order_create(contract=contract, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Change order {change_order.number} created.")
            return _redirect("change_order_detail", contract, change_order=change_order.pk)
    return render(request, "contracts/change_order_form.html", {"form": form, "contract": contract})


@requires("view_contract", on="change_order")
def change_order_detail(request, company, project, contract, change_order):
    return _change_order_page(request, contract, change_order)


def _change_order_page(request, contract, change_order, line_form=None):
    return render(
        request,
        "contracts/change_order_detail.html",
        {
            "contract": contract,
            "change_order": change_order,
            "lines": list(change_order.lines.all()),
            "line_form": line_form or ChangeOrderLineForm(contract=contract),
            "status_form": ChangeOrderStatusForm(
                initial={"status": change_order.status, "approved_on": change_order.approved_on}
            ),
        },
        status=422 if line_form else 200,
    )


@requires("manage_contract", on="change_order")
@require_POST
def change_order_line_add(request, company, project, contract, change_order):
    form = ChangeOrderLineForm(request.POST, contract=contract)
    if form.is_valid():
        try:
            services.change_order_line_add(change_order=change_order, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Line added.")
            return _redirect("change_order_detail", contract, change_order=change_order.pk)
    return _change_order_page(request, contract, change_order, line_form=form)


@requires("manage_contract", on="change_order_line")
@require_POST
def change_order_line_delete(request, company, project, contract, change_order, change_order_line):
    try:
        services.change_order_line_delete(line=change_order_line)
    except ValidationError as error:
        report_service_error(request, error)
    return _redirect("change_order_detail", contract, change_order=change_order.pk)


@requires("manage_contract", on="change_order")
@require_POST
def change_order_status(request, company, project, contract, change_order):
    form = ChangeOrderStatusForm(request.POST)
    if form.is_valid():
        try:
            services.change_order_set_status(change_order=change_order, **form.cleaned_data)
        except ValidationError as error:
            report_service_error(request, error)
        else:
            messages.success(
                request, f"{change_order.number} is {change_order.get_status_display().lower()}."
            )
    else:
        messages.error(request, "Choose a status.")
    return _redirect("change_order_detail", contract, change_order=change_order.pk)


SSOV_EDITABLE = (Contract.SSOVStatus.DRAFT, Contract.SSOVStatus.REVISE_RESUBMIT)
SSOV_ACTIONS = {
    Contract.SSOVStatus.UNDER_REVIEW: "Send for review",
    Contract.SSOVStatus.REVISE_RESUBMIT: "Send back to revise",
    Contract.SSOVStatus.APPROVED: "Approve",
}


@requires("view_contract", on="contract")
def ssov_detail(request, company, project, contract):
    permissions = permissions_for(request)
    may_edit = permissions.can("update_ssov_as_contact", obj=contract)
    may_review = permissions.can("update_ssov_as_administrator", obj=contract)
    invoiced = contract.invoices.exists()
    actions = [
        (status, SSOV_ACTIONS[status])
        for status in services.SSOV_TRANSITIONS[contract.ssov_status]
        if not invoiced and (may_review if status != Contract.SSOVStatus.UNDER_REVIEW else may_edit)
    ]
    return render(
        request,
        "contracts/ssov.html",
        {
            "contract": contract,
            "sov_lines": list(selectors.contract_detail_lines(contract)),
            "invoiced": invoiced,
            "editable": may_edit and not invoiced and contract.ssov_status in SSOV_EDITABLE,
            "actions": actions,
        },
    )


@requires("update_ssov_as_contact", on="sov_line")
@require_POST
def ssov_line_add(request, company, project, contract, sov_line):
    form = SSOVLineForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the detail line a description and an amount.")
    else:
        try:
            services.ssov_line_add(sov_line=sov_line, **form.cleaned_data)
        except ValidationError as error:
            report_service_error(request, error)
    return _redirect("ssov_detail", contract, f"line-{sov_line.pk}")


@requires("update_ssov_as_contact", on="ssov_line")
@require_POST
def ssov_line_delete(request, company, project, contract, ssov_line):
    try:
        services.ssov_line_delete(ssov_line=ssov_line)
    except ValidationError as error:
        report_service_error(request, error)
    return _redirect("ssov_detail", contract)


@requires("update_ssov_as_contact", on="contract")
@require_POST
def ssov_status(request, company, project, contract):
    status = request.POST.get("status", "")
    if status != Contract.SSOVStatus.UNDER_REVIEW:
        # Approving or sending back is the administrator's review (T1-26).
        permissions_for(request).require("update_ssov_as_administrator", obj=contract)
    try:
        services.ssov_set_status(contract=contract, status=status)
    except ValidationError as error:
        report_service_error(request, error)
    else:
        messages.success(
            request, f"The subcontractor SOV is {contract.get_ssov_status_display().lower()}."
        )
    return _redirect("ssov_detail", contract)
