"""Waiver pages (docs/waivers.md): the company's templates, the project's settings, the
invoice's waivers and sub-tier waivers, and the public signing page of an emailed link."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from django_scopes import scope

from invoices.views import EDIT_ACTIONS
from permissions.access import requires
from tenancy.access import company_admin_required, declare
from tenancy.client_ip import client_ip
from tenancy.forms import add_service_error, report_service_error

from . import services, templating
from .forms import SubtierWaiverForm, WaiverSettingsForm, WaiverSignForm, WaiverTemplatesForm
from .models import Kind

VIEW_ACTIONS = ("preview_invoice", "view_contract")
ADMIN = ("review_invoice",)


@company_admin_required
@require_http_methods(["GET", "POST"])
def waiver_templates(request, company):
    initial = {kind.value: services.template_text(company, kind) for kind in Kind}
    form = WaiverTemplatesForm(request.POST or None, initial_bodies=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.waiver_templates_save(
                company=company, bodies=form.cleaned_data, acting_user=request.user
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Waiver templates saved.")
            return redirect("waiver_templates", company=company.slug)
    return render(
        request,
        "waivers/templates.html",
        {"form": form, "placeholders": templating.PLACEHOLDERS},
        status=422 if form.errors else 200,
    )


@requires("configure_progress_billings")
@require_http_methods(["GET", "POST"])
def waiver_settings(request, company, project):
    options = services.waiver_settings(project)
    form = WaiverSettingsForm(
        request.POST or None,
        initial={
            "require_conditional": options.require_conditional,
            "require_unconditional": options.require_unconditional,
        },
    )
    if request.method == "POST" and form.is_valid():
        services.waiver_settings_save(
            project=project, acting_user=request.user, **form.cleaned_data
        )
        messages.success(request, "Lien waiver settings saved.")
        return redirect("waiver_settings", company=company.slug, project=project.pk)
    return render(
        request,
        "waivers/settings.html",
        {"form": form},
        status=422 if form.errors else 200,
    )


@requires(*VIEW_ACTIONS, on="invoice")
def invoice_waivers(request, company, project, contract, invoice):
    """The invoice page's Lien waivers panel, loaded by htmx after the page; a page of its
    own without htmx."""
    context = {"invoice": invoice, "contract": contract}
    if request.htmx:
        return render(request, "waivers/partials/waivers_panel.html", context)
    return render(request, "waivers/invoice_waivers.html", context)


@requires(*ADMIN, on="invoice")
@require_POST
def invoice_waiver_request(request, company, project, contract, invoice):
    """Send the conditional waiver for this payment now (it also goes on its own when the
    project requires it and the invoice is submitted or approved)."""
    try:
        waiver = services.waiver_request_conditional(invoice=invoice, acting_user=request.user)
    except ValidationError as error:
        report_service_error(request, error)
    else:
        messages.success(
            request, f"The {waiver.get_kind_display().lower()} is being made for {waiver.email}."
        )
    return redirect(invoice)


@requires(*VIEW_ACTIONS, on="invoice")
def invoice_waiver_download(request, company, project, contract, invoice, waiver):
    return _pdf_answer(waiver)


@requires(*EDIT_ACTIONS, on="invoice")
@require_POST
def subtier_waiver_add(request, company, project, contract, invoice):
    form = SubtierWaiverForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            found = services.subtier_waiver_add(
                invoice=invoice,
                kind=form.cleaned_data["kind"],
                party=form.cleaned_data["party"],
                upload=form.cleaned_data["file"],
                acting_user=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Waiver from {found.party} added.")
            return redirect(invoice)
    return render(
        request,
        "waivers/subtier_form.html",
        {"form": form, "invoice": invoice, "contract": contract},
        status=422,
    )


@requires(*VIEW_ACTIONS, on="invoice")
def subtier_waiver_download(request, company, project, contract, invoice, subtier_waiver):
    return FileResponse(
        subtier_waiver.file.open("rb"),
        as_attachment=True,
        filename=subtier_waiver.name,
        content_type=subtier_waiver.content_type,
    )


def _pdf_answer(waiver):
    try:
        data = services.waiver_file(waiver)
    except ValidationError as error:
        # Refused, not served: a file that is not the one made is not the waiver.
        return HttpResponse(" ".join(error.messages), status=409, content_type="text/plain")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{waiver.download_name}"'
    return response


@declare("public")
@login_not_required
def waiver_sign_pdf(request, token):
    """The PDF the contact signs, by the same link."""
    waiver = services.waiver_for_token(token)
    if waiver is None:
        return render(request, "waivers/sign_unknown.html", status=404)
    with scope(company=waiver.invoice.contract.project.company):
        return _pdf_answer(waiver)


@declare("public")
@login_not_required
@require_http_methods(["GET", "POST"])
def waiver_sign(request, token):
    """The emailed link: the token is the credential, for this one waiver."""
    waiver = services.waiver_for_token(token)
    if waiver is None:
        return render(request, "waivers/sign_unknown.html", status=404)
    with scope(company=waiver.invoice.contract.project.company):
        form = WaiverSignForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.waiver_sign(
                    waiver=waiver,
                    token=token,
                    name=form.cleaned_data["name"],
                    consent=form.cleaned_data["consent"],
                    ip=client_ip(request),
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                return redirect(request.path)
        waiver.refresh_from_db()
        return render(
            request,
            "waivers/sign.html",
            {
                "waiver": waiver,
                "form": form,
                "problem": services.link_problem(waiver),
                "values": services.waiver_values(waiver),
                "intact": services.file_intact(waiver),
                "token": token,
            },
            status=422 if form.errors else 200,
        )
