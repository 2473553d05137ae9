"""Payments pages: a contract's payments (issued on a commitment, received on a client
contract), recording and voiding one, a client invoice's payment schedule, and the
company's Payables and Receivables lists (docs/payments.md)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from permissions.access import permissions_for, requires
from tenancy.access import member_required
from tenancy.forms import add_service_error, report_service_error

from . import exports, lists, selectors, services
from .forms import PaymentForm, PaymentSettingsForm, ScheduleItemForm, VoidForm

# Recording or voiding: a payment issued on a commitment (T1-2, T2-4), received on a
# client contract (T1-9, T2-8). Rule 1 keeps each pair to its own kind of contract.
RECORD_ACTIONS = (
    "pb_add_payment_issued",
    "create_payment_issued",
    "create_payment_received",
    "create_prime_payment_received",
)
LIST_PAGE_SIZE = 50


def _payments_url(contract):
    return redirect(
        "contract_payments",
        company=contract.project.company.slug,
        project=contract.project_id,
        contract=contract.pk,
    )


def _require_member(request):
    """A vendor's contact sees its invoices' paid state on the invoice page, not the
    company's payment records (their notes and override reasons are the company's own)."""
    if request.company_access.membership is None:
        raise Http404("No such page.")


def _shown(contract):
    """Payments issued show only when the commitment's Payments Issued tab is on."""
    return not contract.is_commitment or contract.payments_issued_enabled


def _page(request, contract, *, form=None, void_form=None, status=200):
    shown = _shown(contract)
    context = {
        "contract": contract,
        "shown": shown,
        "issued": contract.is_commitment,
    }
    if shown:
        context |= {
            "totals": selectors.contract_payment_totals(contract),
            "payments": selectors.contract_payments(contract),
            "invoices": selectors.contract_invoices(contract),
            "states": selectors.PAID_STATES,
            "form": form,
            "void_form": void_form or VoidForm(),
        }
    return render(request, "payments/contract_payments.html", context, status=status)


@requires("view_contract", on="contract")
def contract_payments(request, company, project, contract):
    _require_member(request)
    form = None
    if _shown(contract) and permissions_for(request).can(*RECORD_ACTIONS, obj=contract):
        form = PaymentForm(
            invoices=selectors.payable_invoices(contract),
            issued=contract.is_commitment,
            initial={
                "paid_on": timezone.localdate(),
                "method": services.payment_settings(contract.project).default_method,
            },
        )
    return _page(request, contract, form=form)


@requires(*RECORD_ACTIONS, on="contract")
@require_POST
def payment_create(request, company, project, contract):
    if not _shown(contract):
        raise Http404("The Payments Issued tab is off on this commitment.")
    form = PaymentForm(
        request.POST,
        request.FILES,
        invoices=selectors.payable_invoices(contract),
        issued=contract.is_commitment,
    )
    if form.is_valid():
        try:
            payment = services.payment_record(
                contract=contract,
                allocations=form.allocations(),
                acting_user=request.user,
                override_reason=form.cleaned_data.get("override_reason", ""),
                **form.payment_fields(),
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, f"Payment {payment.number} of {payment.amount:,.2f} recorded."
            )
            for notice in payment.notices:
                messages.warning(request, notice)
            return _payments_url(contract)
    return _page(request, contract, form=form, status=422)


@requires(*RECORD_ACTIONS, on="contract")
@require_POST
def payment_void(request, company, project, contract, payment):
    form = VoidForm(request.POST)
    if form.is_valid():
        try:
            services.payment_void(
                payment=payment, reason=form.cleaned_data["reason"], acting_user=request.user
            )
        except ValidationError as error:
            report_service_error(request, error)
        else:
            messages.success(request, f"Payment {payment.number} voided.")
        return _payments_url(contract)
    messages.error(request, "Say why the payment is voided.")
    return _payments_url(contract)


@requires("view_contract", on="contract")
def payment_attachment(request, company, project, contract, payment):
    _require_member(request)
    if not payment.attachment or not _shown(contract):
        raise Http404("No attachment.")
    return FileResponse(
        payment.attachment.open("rb"),
        as_attachment=True,
        filename=payment.attachment.name.rsplit("/", 1)[-1],
    )


@requires("pb_enable_payments_issued", "enable_payments_issued", on="contract")
@require_POST
def payments_issued_toggle(request, company, project, contract):
    if not contract.is_commitment:
        raise Http404("Payments issued are recorded on commitments.")
    enabled = request.POST.get("enabled") == "on"
    services.payments_issued_set(contract=contract, enabled=enabled, acting_user=request.user)
    messages.success(request, f"Payments Issued tab {'on' if enabled else 'off'}.")
    return _payments_url(contract)


def _schedule_page(request, contract, invoice, form=None, status=200):
    if contract.is_commitment:
        raise Http404("A payment schedule is for a client invoice.")
    context = {
        "contract": contract,
        "invoice": invoice,
        "rows": selectors.schedule_of(invoice, today=timezone.localdate()),
        "scheduled": selectors.scheduled_total(invoice),
        "facts": selectors.invoice_payment_facts(invoice),
        "form": form or ScheduleItemForm(),
    }
    return render(request, "payments/invoice_schedule.html", context, status=status)


@requires("view_contract", on="invoice")
def invoice_schedule(request, company, project, contract, invoice):
    _require_member(request)
    return _schedule_page(request, contract, invoice)


@requires("create_payment_schedule", on="invoice")
@require_POST
def schedule_item_add(request, company, project, contract, invoice):
    if contract.is_commitment:
        raise Http404("A payment schedule is for a client invoice.")
    form = ScheduleItemForm(request.POST)
    if form.is_valid():
        try:
            services.schedule_item_add(
                invoice=invoice, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Expected payment added to the schedule.")
            return redirect(
                "invoice_schedule",
                company=company.slug,
                project=project.pk,
                contract=contract.pk,
                invoice=invoice.pk,
            )
    return _schedule_page(request, contract, invoice, form=form, status=422)


@requires("create_payment_schedule", on="invoice")
@require_POST
def schedule_item_delete(request, company, project, contract, invoice, schedule_item):
    services.schedule_item_delete(item=schedule_item, acting_user=request.user)
    messages.success(request, "Expected payment removed from the schedule.")
    return redirect(
        "invoice_schedule",
        company=company.slug,
        project=project.pk,
        contract=contract.pk,
        invoice=invoice.pk,
    )


@member_required
@require_http_methods(["GET"])
def payables(request, company):
    filters = lists.PayablesFilter(request.GET, request=request)
    invoices = filters.qs
    page = Paginator(invoices, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = lists.with_pay_by(page.object_list)
    blocked = {invoice.pk: lists.blocked_by(invoice, request.user) for invoice in rows}
    return render(
        request,
        "payments/payables.html",
        {
            "page": page,
            "rows": rows,
            "blocked": blocked,
            "totals": lists.payables_totals(invoices),
            "filters": filters,
            "query": request.GET.urlencode(),
            "states": selectors.PAID_STATES,
            "today": timezone.localdate(),
        },
    )


@member_required
@require_http_methods(["GET"])
def payables_export(request, company):
    filters = lists.PayablesFilter(request.GET, request=request)
    invoices = lists.with_pay_by(filters.qs)
    return exports.payables_export(invoices, request.GET.get("format", "csv"))


@member_required
@require_http_methods(["GET"])
def receivables(request, company):
    filters = lists.ReceivablesFilter(request.GET, request=request)
    invoices = filters.qs
    page = Paginator(invoices, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "payments/receivables.html",
        {
            "page": page,
            "rows": list(page.object_list),
            "totals": lists.receivables_totals(invoices),
            "filters": filters,
            "query": request.GET.urlencode(),
            "states": selectors.PAID_STATES,
            "today": timezone.localdate(),
        },
    )


@member_required
@require_http_methods(["GET"])
def receivables_export(request, company):
    filters = lists.ReceivablesFilter(request.GET, request=request)
    return exports.receivables_export(filters.qs, request.GET.get("format", "csv"))


@requires("configure_progress_billings")
@require_http_methods(["GET", "POST"])
def payment_settings(request, company, project):
    """The project's payment options (T1-6, as the rest of its Progress Billings settings)."""
    settings = services.payment_settings(project)
    initial = {
        "payment_terms_days": settings.payment_terms_days,
        "default_method": settings.default_method,
    }
    form = PaymentSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.payment_settings_update(
                project=project, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Payment settings saved.")
            return redirect("payment_settings", company=company.slug, project=project.pk)
    return render(
        request,
        "payments/payment_settings.html",
        {"form": form},
        status=422 if form.errors else 200,
    )
