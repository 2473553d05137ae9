from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse, HttpResponseBadRequest
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_http_methods, require_POST

from billing.fieldsets import field_rules
from billing.selectors import overbilling_flagged
from contracts.models import Contract
from contracts.views import contract_page
from permissions.access import permissions_for, requires
from tenancy.forms import add_service_error, report_service_error, valid_ids

from . import exports, invitations, pay_application, pdf, reminders, selectors, services
from . import invoicing as invoicing_module
from .editing import (
    ADMIN_ACTIONS,
    Editing,
    RetainageRights,
    cell_messages,
    cells_to_refresh,
    first_cell,
    line_editing,
    may_attach,
    may_compile_backup,
)
from .forms import (
    BulkEditForm,
    DueDateExtensionForm,
    InvoiceCreateForm,
    InvoiceDetailsForm,
    LineEntryForm,
    ReviewForm,
)
from .invoicing_summary import invoicing_summary
from .models import Invoice

INVOICING_PAGE_SIZE = 50
# Anyone who may type on some invoice's lines; line_editing() decides for this one.
EDIT_ACTIONS = ("submit_new_invoice", "revise_resubmit", *ADMIN_ACTIONS)
EXPORT_ACTIONS = ("export_invoice", "manage_contract")
SEND_ACTIONS = ("email_client_invoice", "pb_forward_invoice", "forward_invoice")


@requires("submit_new_invoice", "create_invoice_on_behalf", "manage_contract", on="contract")
@require_POST
def invoice_create(request, company, project, contract):
    form = InvoiceCreateForm(request.POST, project=project)
    if form.is_valid():
        try:
            # Admins create at any time; others not after the period's due date (docs/periods.md).
            if not permissions_for(request).can(*ADMIN_ACTIONS, obj=contract):
                invitations.check_contact_may_start(
                    form.cleaned_data["period"],
                    ask=f"the admins of {company.name}",
                    contract=contract,
                )
            invoice = services.invoice_create(
                contract=contract, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{invoice.title} started for {invoice.period}.")
            return redirect(invoice)
    return contract_page(request, contract, invoice_form=form)


@requires("preview_invoice", "view_contract", on="invoice")
def invoice_detail(request, company, project, contract, invoice):
    return _invoice_page(request, invoice)


def _invoice_page(request, invoice, *, status=200, details_form=None, refused_rows=None):
    permissions = permissions_for(request)
    editing = line_editing(permissions, invoice)
    rules = field_rules(invoice.contract.project_id)
    shows_attachments = rules.shown["attachments"]
    context = (
        selectors.invoice_page(invoice)
        | _general_info(invoice, rules, editing, details_form)
        | {
            # A PDF being made, or that could not be made: its state stays on the page.
            "document": (
                selectors.unfinished_document(invoice)
                if permissions.can(*EXPORT_ACTIONS, obj=invoice)
                else None
            ),
            "sends": (
                selectors.invoice_sends(invoice)
                if permissions.can(*SEND_ACTIONS, obj=invoice)
                else None
            ),
            # Hidden by the project's fieldsets: no panel, kept in the database (docs/invoices.md).
            "attachments": selectors.invoice_attachments(invoice) if shows_attachments else None,
            "history": selectors.invoice_history(invoice),
            "may_attach": shows_attachments and may_attach(permissions, invoice, editing),
            "may_compile_backup": may_compile_backup(permissions, invoice),
            "editing": editing,
            "editable_lines": editing is not Editing.NONE,
            "releases": invoice.releases_retainage,
            "retainage": RetainageRights.of(permissions, invoice),
            "statuses": invoice.Status.choices,
        }
    )
    g703 = _g703(
        request, invoice, editable=context["editable_lines"], retainage=context["retainage"]
    )
    context["flag_overbilled"] = g703["flag_overbilled"]
    context["g703_start"] = first_cell(context["lines"]) if context["editable_lines"] else None
    context["rows"] = render_to_string(
        "invoices/g703.jinja",
        g703 | {"lines": context["lines"], "refused": refused_rows or {}},
        using="jinja2",
    )
    return render(request, "invoices/invoice_detail.html", context, status=status)


def _general_info(invoice, rules, editing, details_form=None):
    """The General Information area (docs/invoices.md): what the PDF's G702 header shows,
    and on an invoice being filled in the form for its own details."""
    if details_form is None and editing is Editing.ENTRY:
        details_form = InvoiceDetailsForm(invoice=invoice, rules=rules)
    return {
        "fields": rules,
        "party": invoice.contract.party,
        "details_form": details_form if editing is Editing.ENTRY else None,
    }


@requires(*EDIT_ACTIONS, on="invoice")
@require_POST
def invoice_details(request, company, project, contract, invoice):
    """Save the invoice number, billing date, period dates and comments of an invoice being
    filled in. htmx gets the General Information area back; a plain post the page."""
    editing = line_editing(permissions_for(request), invoice)
    if editing is Editing.NONE:
        raise PermissionDenied("This invoice's details cannot be edited now.")
    if editing is not Editing.ENTRY:
        # An admin reviewing it: refused like any change to a submitted invoice, with why.
        messages.error(
            request,
            f"{invoice.title} {invoice.status_phrase}; its details are frozen.",
        )
        return redirect(invoice)
    rules = field_rules(project.pk)
    form = InvoiceDetailsForm(request.POST, invoice=invoice, rules=rules)
    if form.is_valid():
        try:
            invoice = services.invoice_update_details(
                invoice=invoice, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
    if form.errors:
        if request.htmx:
            context = {"invoice": invoice, "contract": contract}
            context |= _general_info(invoice, rules, editing, form)
            return render(request, "invoices/partials/general_info.html", context, status=422)
        return _invoice_page(request, invoice, status=422, details_form=form)
    if request.htmx:
        context = {"invoice": invoice, "contract": invoice.contract, "saved": True}
        context |= _general_info(invoice, rules, editing)
        return render(request, "invoices/partials/general_info.html", context)
    messages.success(request, "Invoice details saved.")
    return redirect(invoice)


@requires("preview_invoice", "view_contract", on="invoice")
def invoice_preview(request, company, project, contract, invoice):
    """The G702 page in the browser from the stored figures: the PDF's own template for it,
    with screen styles (docs/invoices.md, "Summary Preview")."""
    return render(request, "invoices/invoice_preview.html", pdf.pdf_context(invoice))


def _g703(request, invoice, *, editable, retainage, whole_rows=True):
    """What the G703's rows are rendered with besides their lines (docs/invoices.md).
    `whole_rows`: False when only inputs are swapped (a save's answer), which carry no
    form, so no CSRF token is minted and its cookie is not set again on every save."""
    # A line's save URL without its id, reversed once rather than for each of 500 rows.
    any_line = reverse(
        "invoice_line_save",
        kwargs={
            "company": request.company.slug,
            "project": invoice.contract.project_id,
            "invoice_line": 0,
        },
    )
    return {
        "editable": editable,
        # Where the project allows overbilling outright, nothing marks it (docs/settings.md).
        # Read only when a line or the invoice is overbilled: a cell save stays 7 queries.
        "flag_overbilled": SimpleLazyObject(
            lambda: overbilling_flagged(invoice.contract.project_id)
        ),
        "releases": invoice.releases_retainage,
        "retainage": retainage,
        "save_prefix": any_line.removesuffix("0/"),
        "csrf": get_token(request) if editable and whole_rows else "",
    }


@requires(*EDIT_ACTIONS, on="invoice")
@require_POST
def invoice_bulk_edit(request, company, project, contract, invoice):
    """Set % complete or a retainage rate on the selected lines, or release their retainage."""
    editing = line_editing(permissions_for(request), invoice)
    if editing is Editing.NONE:
        raise PermissionDenied("This invoice's lines cannot be edited now.")
    form = BulkEditForm(request.POST, invoice=invoice)
    if not form.is_valid():
        for message in _form_messages(form):
            messages.error(request, message)
        return redirect(invoice)
    changes = form.changes()
    asked = {
        "retainage_work_rate": changes["retainage_work_rate"] is not None,
        "retainage_work_released": changes["release_all"],
    }
    refusals = RetainageRights.of(permissions_for(request), invoice).refusals(
        [name for name, wanted in asked.items() if wanted]
    )
    if refusals:
        for message in refusals.values():
            messages.error(request, message)
        return redirect(invoice)
    try:
        count = services.invoice_lines_bulk_update(
            invoice=invoice,
            reviewing=editing is Editing.REVIEW,
            acting_user=request.user,
            **changes,
        )
    except ValidationError as error:
        report_service_error(request, error)
    else:
        messages.success(request, f"{count} line{'s' if count != 1 else ''} updated.")
    return redirect(invoice)


@requires(*EDIT_ACTIONS, on="invoice_line")
@require_POST
def invoice_line_save(request, company, project, invoice_line):
    """Save one G703 row. htmx gets the row back (and the totals and G702 out of band);
    a plain form post gets the invoice page.

    A row is posted whole, so a cell left invalid is posted again with every later save:
    it is refused alone, with its message, and the valid cells are saved."""
    invoice = invoice_line.invoice
    editing = line_editing(permissions_for(request), invoice)
    if editing is Editing.NONE:
        raise PermissionDenied("This invoice's lines cannot be edited now.")
    form = LineEntryForm(request.POST, line=invoice_line)
    rights = RetainageRights.of(permissions_for(request), invoice)
    context = {"line": invoice_line, "editing": editing, "invoice": invoice, "retainage": rights}
    refused = not form.is_valid()
    if form.tampered:
        return HttpResponseBadRequest("Unknown cell.")
    if "version" in form.errors:
        return _row_response(request, invoice, context | {"form": form}, refused=True)
    entries = form.entries()
    if not entries:
        return _row_response(request, invoice, context | {"form": form}, refused=refused)
    refusals = rights.refusals(entries)
    if refusals:
        for field, message in refusals.items():
            form.add_error(field, message)
        return _row_response(request, invoice, context | {"form": form}, refused=True)
    while True:
        try:
            line, invoice, others = services.invoice_line_update(
                line=invoice_line,
                version=form.cleaned_data["version"],
                reviewing=editing is Editing.REVIEW,
                **entries,
            )
        except services.StaleEdit as stale:
            # The row, the totals and the G702 as saved now: the same shape as a save's answer.
            invoice.refresh_from_db()
            context |= {
                "line": stale.line,
                "conflict": str(stale),
                "totals": pay_application.stored_totals(invoice),
            }
            return _row_response(request, invoice, context)
        except ValidationError as error:
            add_service_error(form, error)
            # A money rule's finding names its cell: the row's other cells are saved without
            # it, as they are beside a cell the form refused (it stays as typed, marked).
            kept = {name: value for name, value in entries.items() if name not in form.errors}
            if not kept or len(kept) == len(entries):
                return _row_response(request, invoice, context | {"form": form}, refused=True)
            entries, refused = kept, True
        else:
            break
    totals = pay_application.stored_totals(invoice)
    context |= {
        "line": line,
        "before": invoice_line,
        "others": others,
        "invoice": invoice,
        "totals": totals,
        "saved": True,
        "form": form,
    }
    return _row_response(request, invoice, context, refused=refused)


def _row_response(request, invoice, context, *, refused=False):
    form = context.get("form")
    if request.htmx:
        # Errors come back with 200: htmx swaps them in, where the person is typing.
        invalid = set(form.errors) if form is not None else set()
        g703 = _g703(
            request,
            invoice,
            editable=True,
            retainage=context["retainage"],
            whole_rows="conflict" in context,  # a conflict sends the row whole, its form too
        ) | {
            "refresh": {"version": None}
            | cells_to_refresh(
                context["line"],
                request.POST,
                invalid,
                before=context.get("before"),
                marked=form.cleaned_data.get("marked", ()) if form is not None else (),
            ),
            "cell_errors": cell_messages(form),
            # The lines a sliding scale re-rated: their column I and their rate.
            "moved": context.get("others", ()),
        }
        context["releases"] = g703["releases"]
        context["flag_overbilled"] = g703["flag_overbilled"]
        context["g703"] = render_to_string(
            "invoices/g703_answer.jinja", context | g703, using="jinja2"
        )
        # Figures and inputs only: none of the context processors' page-wide values.
        return HttpResponse(render_to_string("invoices/partials/line_saved.html", context))
    if refused or "conflict" in context:
        for message in [context.get("conflict"), *cell_messages(form).values()]:
            if message:
                messages.error(request, message)
        # The row as typed, each refused cell marked at its message, as with htmx.
        line = context["line"]
        invalid = set(form.errors) if form is not None else set()
        kept = {
            name: text
            for name, text in cells_to_refresh(line, request.POST, invalid).items()
            if text is not None
        }
        refused_rows = {line.pk: {"kept": kept, "messages": cell_messages(form)}} if kept else {}
        return _invoice_page(
            request,
            invoice,
            status=409 if "conflict" in context else 422,
            refused_rows=refused_rows,
        )
    return redirect(invoice)


def _form_messages(form):
    if form is None:
        return []
    return [f"{error}" for errors in form.errors.values() for error in errors]


@requires("submit_new_invoice", "revise_resubmit", "manage_contract", on="invoice")
@require_POST
def invoice_submit(request, company, project, contract, invoice):
    editing = line_editing(permissions_for(request), invoice)
    if editing is not Editing.ENTRY:
        raise PermissionDenied("This invoice cannot be submitted now.")
    try:
        services.invoice_submit(invoice=invoice, acting_user=request.user)
    except ValidationError as error:
        report_service_error(request, error)
    else:
        messages.success(request, f"{invoice.title} submitted for review.")
    return redirect(invoice)


@requires(*ADMIN_ACTIONS, on="invoice")
@require_http_methods(["GET", "POST"])
def invoice_review(request, company, project, contract, invoice):
    """Each line approved or rejected with a reason; any rejection sends the invoice back."""
    if invoice.status != Invoice.Status.UNDER_REVIEW:
        # A form for an invoice that is not under review could only be refused once filled in.
        messages.info(
            request,
            f"{invoice.title} {invoice.status_phrase}, not under "
            "review: there is nothing to review.",
        )
        return redirect(invoice)
    lines = list(invoice.lines.all())
    form = ReviewForm(request.POST or None, lines=lines)
    if request.method == "POST" and form.is_valid():
        try:
            invoice, _ = services.invoice_review(
                invoice=invoice,
                decisions=form.decisions(),
                outcome=form.cleaned_data["outcome"],
                acting_user=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{invoice.title} {invoice.status_phrase}.")
            return redirect(invoice)
    return render(
        request,
        "invoices/invoice_review.html",
        {"invoice": invoice, "contract": contract, "form": form},
        status=422 if form.is_bound else 200,
    )


@requires(*ADMIN_ACTIONS, on="invoice")
@require_POST
def invoice_status(request, company, project, contract, invoice):
    """An admin sets any status."""
    try:
        invoice = services.invoice_set_status(
            invoice=invoice, status=request.POST.get("status", ""), acting_user=request.user
        )
    except ValidationError as error:
        report_service_error(request, error)
    else:
        messages.success(request, f"{invoice.title} {invoice.status_phrase}.")
    return redirect(invoice)


def _invoicing_filters(request, project):
    return invoicing_module.InvoicingFilter(request.GET, project=project)


@requires("search_invoices", on="period")
def invoicing(request, company, project, period):
    """Every commitment's invoice state for the period, with the client invoice beside:
    counted, summed and paged by the database (docs/tenancy.md, lists and compression)."""
    filters = _invoicing_filters(request, project)
    commitments = invoicing_module.invoicing_commitments(
        period=period, permissions=permissions_for(request), filters=filters
    )
    page = Paginator(commitments, INVOICING_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "period": period,
        "page": page,
        "rows": invoicing_module.with_extensions(
            invoicing_module.invoicing_rows(page.object_list), period
        ),
        "totals": invoicing_module.invoicing_totals(commitments),
        "filters": filters.values(),
        "query": request.GET.urlencode(),
        "states": invoicing_module.STATES,
        "groups": invoicing_module.GROUPS,
        "vendors": filters.vendors,
        "client_invoices": invoicing_module.client_invoices(project=project, period=period),
        "statuses": Invoice.Status.choices,
        "invitable": invoicing_module.INVITABLE_STATES,
        # The period at a glance, whatever the filters (docs/invoices.md).
        "summary": None
        if request.htmx
        else invoicing_summary(
            period=period, project=project, permissions=permissions_for(request)
        ),
    }
    template = "invoices/invoicing.html#results" if request.htmx else "invoices/invoicing.html"
    return render(request, template, context)


@requires("export_invoicing_page", on="period")
def invoicing_export(request, company, project, period):
    commitments = invoicing_module.invoicing_commitments(
        period=period,
        permissions=permissions_for(request),
        filters=_invoicing_filters(request, project),
    )
    rows = invoicing_module.invoicing_rows(commitments)
    return exports.invoicing_export(period, rows, request.GET.get("format", "csv"))


@requires("bulk_edit_invoice_status", on="period")
@require_POST
def invoicing_bulk_status(request, company, project, period):
    """Set one status on the selected invoices of the period (T1-3)."""
    ids = valid_ids(request.POST.getlist("invoices"))
    # Subcontractor invoices only: the client invoice answers to the Client Contracts tool.
    invoices = (
        Invoice.objects.filter(pk__in=ids, period=period)
        .exclude(contract__kind=Contract.Kind.CLIENT)
        .select_related("contract")
    )
    changed, refused = services.invoices_set_status(
        invoices=invoices, status=request.POST.get("status", ""), acting_user=request.user
    )
    if changed:
        messages.success(request, f"{changed} invoice{'s' if changed != 1 else ''} updated.")
    for message in refused or ([] if changed else ["Select invoices and a status."]):
        messages.error(request, message)
    return _back_to_invoicing(request, company, project, period)


@requires("pb_send_invite", "send_invite", on="period")
@require_POST
def invoicing_invite(request, company, project, period):
    """Invite the invoice contacts of the selected commitments to bill the period."""
    commitments = _selected_commitments(request, project, period)
    invited, refused = invitations.invite_to_bill(
        contracts=commitments,
        period=period,
        acting_user=request.user,
        message=request.POST.get("message", ""),
    )
    if invited:
        messages.success(
            request, f"{invited} invoice contact{'s' if invited != 1 else ''} invited."
        )
    nothing = "Select the commitments to invite: none was selected."
    for message in refused or ([] if invited or commitments else [nothing]):
        messages.error(request, message)
    return _back_to_invoicing(request, company, project, period)


@requires("pb_send_invite", "send_invite", on="period")
@require_POST
def invoicing_remind(request, company, project, period):
    """Remind now the contacts of the selected commitments who owe the period an invoice
    (docs/invite-to-bill.md, reminders)."""
    commitments = _selected_commitments(request, project, period)
    reminded, skipped = reminders.invitations_remind(
        contracts=commitments, period=period, acting_user=request.user
    )
    if reminded:
        messages.success(
            request, f"{reminded} invoice contact{'s' if reminded != 1 else ''} reminded."
        )
    for message in skipped:
        messages.error(request, f"Not reminded: {message}")
    if not (reminded or skipped):
        messages.error(request, "Select the commitments to remind: none was selected.")
    return _back_to_invoicing(request, company, project, period)


def _selected_commitments(request, project, period):
    """The commitments ticked on the invoicing page that the user may see. A row with an
    invoice is selected by its invoice (the same box sets statuses): its commitment."""
    ids = valid_ids(request.POST.getlist("commitments"))
    invoice_ids = valid_ids(request.POST.getlist("invoices"))
    return permissions_for(request).visible(
        Contract.objects.filter(
            Q(pk__in=ids) | Q(invoices__pk__in=invoice_ids, invoices__period=period),
            project=project,
        )
        .exclude(kind=Contract.Kind.CLIENT)
        .distinct()
        .order_by("number")
    )


def _back_to_invoicing(request, company, project, period):
    response = redirect("invoicing", company=company.slug, project=project.pk, period=period.pk)
    if request.POST.get("query"):
        response["Location"] += "?" + request.POST["query"]
    return response


@requires(*EXPORT_ACTIONS, on="invoice")
def invoice_export(request, company, project, contract, invoice):
    page = selectors.invoice_page(invoice)
    return exports.invoice_export(
        invoice,
        page["lines"],
        page["totals"],
        request.GET.get("format", "csv"),
        fields=field_rules(project.pk),
    )


@requires("delete_invoice", "manage_contract", on="invoice")
@require_http_methods(["GET", "POST"])
def invoice_delete(request, company, project, contract, invoice):
    """Asks first; refuses an invoice that a later one builds on."""
    if request.method == "POST":
        try:
            services.invoice_delete(invoice=invoice, acting_user=request.user)
        except ValidationError as error:
            report_service_error(request, error)
            return redirect(invoice)
        messages.success(request, f"{invoice.title} deleted.")
        return redirect(
            "contract_detail", company=company.slug, project=project.pk, contract=contract.pk
        )
    return render(request, "invoices/invoice_delete.html", {"invoice": invoice})


@requires("edit_period", on="period")
@require_http_methods(["GET", "POST"])
def due_date_extend(request, company, project, contract, period):
    """A later due date for one commitment in one period (docs/periods.md): its contacts
    may start the invoice until then."""
    extended = selectors.due_date_extension(contract=contract, period=period)
    form = DueDateExtensionForm(
        request.POST or None, initial={"due_date": extended.due_date if extended else None}
    )
    if request.method == "POST" and form.is_valid():
        try:
            extension = invitations.due_date_extend(
                contract=contract,
                period=period,
                due_date=form.cleaned_data["due_date"],
                acting_user=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                f"{contract.number} is due on {extension.due_date:%b} {extension.due_date.day}, "
                f"{extension.due_date.year} for {period}.",
            )
            return redirect("invoicing", company=company.slug, project=project.pk, period=period.pk)
    return render(
        request,
        "invoices/due_date_extend.html",
        {"contract": contract, "period": period, "form": form, "extension": extended},
        status=422 if form.errors else 200,
    )
