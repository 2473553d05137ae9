from copy import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from contracts.forms import RetainageRuleFormSet
from permissions.access import requires
from tenancy.forms import add_service_error

from . import selectors, services
from .forms import SECTION_FORMS, BillingPeriodForm, PdfSettingsForm
from .models import BillingPeriod

PAGE_SIZE = 50


def _to_periods(project):
    return redirect("period_list", company=project.company.slug, project=project.pk)


@requires("view_project")
def period_list(request, company, project):
    """Newest first, paged by the database (docs/tenancy.md, lists and compression): a
    project billing monthly for years has hundreds of periods."""
    periods = BillingPeriod.objects.filter(project=project).order_by("-position", "-pk")
    page = Paginator(periods, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "billing/period_list.html", {"page": page})


@requires("create_manual_periods")
@require_http_methods(["GET", "POST"])
def period_create(request, company, project):
    # The settings' next dates are offered; the admin may change any of them.
    proposal = selectors.period_proposal(project, timezone.localdate())
    initial = {"start_date": proposal.start, "end_date": proposal.end, "due_date": proposal.due}
    form = BillingPeriodForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            period = services.period_create(
                project=project, open_it=bool(request.POST.get("open_it")), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{period} added.")
            return _to_periods(project)
    return render(request, "billing/period_form.html", {"form": form})


@requires("edit_period", on="period")
@require_http_methods(["GET", "POST"])
def period_edit(request, company, project, period):
    initial = {
        "start_date": period.start_date,
        "end_date": period.end_date,
        "due_date": period.due_date,
    }
    form = BillingPeriodForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.period_update(period=period, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{period} saved.")
            return _to_periods(project)
    return render(request, "billing/period_form.html", {"form": form, "period": period})


@requires("edit_period", on="period")
@require_POST
def period_open(request, company, project, period):
    services.period_open(period=period)
    messages.success(request, f"{period} is open; the period open before it is closed.")
    return _to_periods(project)


@requires("edit_period", on="period")
@require_POST
def period_close(request, company, project, period):
    services.period_close(period=period)
    messages.success(request, f"{period} is closed.")
    return _to_periods(project)


@requires("configure_progress_billings", "edit_client_invoice_pdf", every=True)
@require_http_methods(["GET", "POST"])
def pdf_settings(request, company, project):
    """What the project's invoice PDFs show: sections, logo, footer, claimed amounts. They
    apply to both kinds of invoices, so they need both rows (T1-6 and T1-13)."""
    form = PdfSettingsForm(
        request.POST or None, request.FILES or None, instance=services.billing_settings(project)
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "PDF settings saved. PDFs made from now on follow them.")
        return redirect("pdf_settings", company=company.slug, project=project.pk)
    return render(
        request, "billing/pdf_settings.html", {"form": form}, status=422 if form.errors else 200
    )


RULES_PREFIX = "rules"


def _rules_formset(settings, data=None):
    """The sliding-scale rules, with the contract page's form and checks (contracts.forms)."""
    initial = [
        {"from_percent": rule["from_percent"], "rate": rule["rate"]}
        for rule in settings.retainage_rules
    ]
    return RetainageRuleFormSet(data, initial=initial, prefix=RULES_PREFIX)


@requires("configure_progress_billings")
@require_http_methods(["GET", "POST"])
def project_settings(request, company, project):
    """The project's Progress Billings settings, one section a form, each saved on its own
    (docs/settings.md); a refused section comes back as typed, the others as stored."""
    settings = services.billing_settings(project)
    forms = {
        section: form_class(instance=copy(settings), prefix=section)
        for section, form_class in SECTION_FORMS.items()
    }
    rules = _rules_formset(settings)
    if request.method == "POST":
        section = request.POST.get("section", "")
        if section not in SECTION_FORMS:
            return HttpResponseBadRequest("No such section of the settings.")
        form = forms[section] = SECTION_FORMS[section](
            request.POST, instance=copy(settings), prefix=section
        )
        valid = form.is_valid()
        data = dict(form.cleaned_data) if valid else {}
        if section == "retainage":
            rules = _rules_formset(settings, request.POST)
            valid = rules.is_valid() and valid
            # A refused rule's cleaned_data lacks the refused field: read only valid rules.
            if valid:
                data["retainage_rules"] = [
                    (each.cleaned_data["from_percent"], each.cleaned_data["rate"])
                    for each in rules
                    if each.cleaned_data
                ]
        if valid:
            try:
                _, changes = services.billing_settings_update(
                    project=project, section=section, data=data, acting_user=request.user
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                title = services.SETTINGS_SECTIONS[section][0]
                messages.success(
                    request,
                    f"{title} saved." if changes else f"{title}: nothing changed.",
                )
                url = reverse(
                    "project_settings", kwargs={"company": company.slug, "project": project.pk}
                )
                return redirect(f"{url}#{section}")
    refused = any(form.errors for form in forms.values()) or rules.total_error_count()
    context = {
        "sections": [
            (section, services.SETTINGS_SECTIONS[section][0], form)
            for section, form in forms.items()
        ],
        "rules": rules,
        "history": selectors.settings_history(settings),
    }
    return render(request, "billing/project_settings.html", context, status=422 if refused else 200)
