from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from permissions.access import requires, visible_projects

from . import selectors, services
from .access import company_admin_required, declare, member_required
from .forms import (
    CompanyComplianceForm,
    CompanyInvitationAnswerForm,
    PersonForm,
    ProjectForm,
    SearchForm,
    TerminologyForm,
    UserAddForm,
    VendorForm,
    report_service_error,
)
from .models import Membership, OutgoingEmail

PAGE_SIZE = 50


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@declare("signed_in")
def home(request):
    """Straight to the company's projects for most users; a choice for the others, and
    for anyone with an invitation to answer."""
    companies = list(selectors.companies_for_user(request.user))
    invitations = list(selectors.pending_company_invitations(request.user))
    if len(companies) == 1 and not invitations:
        return redirect("project_list", company=companies[0].slug)
    return render(
        request, "tenancy/home.html", {"companies": companies, "invitations": invitations}
    )


@declare("signed_in")
def company_invitations(request):
    """The signed-in account's invitations to join companies, each to accept or decline."""
    return render(
        request,
        "tenancy/company_invitations.html",
        {"invitations": selectors.pending_company_invitations(request.user)},
    )


@declare("signed_in")
@require_POST
def company_invitation_answer(request, company_invitation):
    """Accept or decline one of the account's own invitations; anyone else's is a 404."""
    invitation = get_object_or_404(
        selectors.pending_company_invitations(request.user), pk=company_invitation
    )
    form = CompanyInvitationAnswerForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Accept or decline.")
    accept = form.cleaned_data["answer"] == "accept"
    try:
        services.company_invitation_answer(invitation=invitation, user=request.user, accept=accept)
    except ValidationError as error:
        report_service_error(request, error)
        return redirect("company_invitations")
    company = invitation.company
    if not accept:
        messages.info(request, f"You declined to join {company.name}.")
        return redirect("home")
    messages.success(request, f"You joined {company.name}.")
    return redirect("project_list", company=company.slug)


@declare("company_access")
def project_list(request, company):
    search = SearchForm(request.GET).search()
    projects = visible_projects(
        selectors.project_list(search=search),
        request.user,
        company_admin=request.company_access.is_admin,
    )
    return render(
        request,
        "tenancy/project_list.html",
        {"page": _page(request, projects), "search": search},
    )


@requires("view_project")
def project_detail(request, company, project):
    return render(request, "tenancy/project_detail.html")


@company_admin_required
@require_http_methods(["GET", "POST"])
def project_create(request, company):
    form = ProjectForm(request.POST or None, company=company)
    if request.method == "POST" and form.is_valid():
        project = services.project_create(company=company, **form.cleaned_data)
        messages.success(request, f"Project {project} created.")
        return redirect("project_detail", company=company.slug, project=project.pk)
    return render(request, "tenancy/project_form.html", {"form": form})


@company_admin_required
@require_http_methods(["GET", "POST"])
def project_edit(request, company, project):
    form = ProjectForm(request.POST or None, instance=project, company=company)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Project saved.")
        return redirect("project_detail", company=company.slug, project=project.pk)
    return render(request, "tenancy/project_form.html", {"form": form})


@company_admin_required
@require_http_methods(["GET", "POST"])
def company_settings(request, company):
    """What the company calls its invoices (docs/tenancy.md, terminology), and when its
    compliance documents count as expiring (docs/compliance.md): two forms, told apart by
    the `section` their submit button sends, so saving one never touches the other."""
    section = request.POST.get("section", "terms") if request.method == "POST" else None
    form = TerminologyForm(request.POST if section == "terms" else None, instance=company)
    compliance_form = CompanyComplianceForm(
        request.POST if section == "compliance" else None, instance=company
    )
    if section == "terms" and form.is_valid():
        services.company_update_terms(company=company, **form.cleaned_data)
        messages.success(request, "Saved: pages, emails, PDFs and exports use these names.")
        return redirect("company_settings", company=company.slug)
    if section == "compliance" and compliance_form.is_valid():
        try:
            services.company_update_compliance(
                company=company, acting_user=request.user, **compliance_form.cleaned_data
            )
        except ValidationError as error:
            compliance_form.add_error(None, error)
        else:
            messages.success(request, "Saved: compliance documents' expiring days.")
            return redirect("company_settings", company=company.slug)
    return render(
        request,
        "tenancy/company_settings.html",
        {"form": form, "compliance_form": compliance_form},
        status=422 if form.errors or compliance_form.errors else 200,
    )


@company_admin_required
def user_list(request, company):
    return render(
        request,
        "tenancy/user_list.html",
        {
            "page": _page(request, selectors.user_list(company=company)),
            "invitations": selectors.company_invitations_sent(company=company),
        },
    )


@company_admin_required
@require_http_methods(["GET", "POST"])
def user_add(request, company):
    form = UserAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        added, new_account = services.user_add(
            company=company, invited_by=request.user, **form.cleaned_data
        )
        if new_account:
            message = "added; we emailed them a link"
        elif isinstance(added, Membership):
            message = "is a member already; their role is saved"
        else:
            message = "already has an account: we emailed them an invitation to join"
        messages.success(request, f"{added.user.email} {message}.")
        return redirect("user_list", company=company.slug)
    return render(request, "tenancy/user_form.html", {"form": form})


@member_required
def vendor_list(request, company):
    search = SearchForm(request.GET).search()
    vendors = selectors.vendor_list(search=search)
    return render(
        request, "tenancy/vendor_list.html", {"page": _page(request, vendors), "search": search}
    )


@member_required
def vendor_detail(request, company, vendor):
    return render(
        request,
        "tenancy/vendor_detail.html",
        {"vendor": vendor, "people": vendor.people.select_related("user")},
    )


@company_admin_required
@require_http_methods(["GET", "POST"])
def vendor_create(request, company):
    form = VendorForm(request.POST or None, company=company)
    if request.method == "POST" and form.is_valid():
        vendor = services.vendor_create(company=company, **form.cleaned_data)
        messages.success(request, f"{vendor} added to the directory.")
        return redirect("vendor_detail", company=company.slug, vendor=vendor.pk)
    return render(request, "tenancy/vendor_form.html", {"form": form})


@company_admin_required
@require_http_methods(["GET", "POST"])
def vendor_edit(request, company, vendor):
    form = VendorForm(request.POST or None, instance=vendor, company=company)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Company saved.")
        return redirect("vendor_detail", company=company.slug, vendor=vendor.pk)
    return render(request, "tenancy/vendor_form.html", {"form": form, "vendor": vendor})


@company_admin_required
@require_http_methods(["GET", "POST"])
def person_create(request, company, vendor):
    form = PersonForm(request.POST or None, company=company, vendor=vendor)
    if request.method == "POST" and form.is_valid():
        person = services.person_save(person=form.save(commit=False), invited_by=request.user)
        messages.success(request, f"{person} added to {vendor}.")
        return redirect("vendor_detail", company=company.slug, vendor=vendor.pk)
    return render(request, "tenancy/person_form.html", {"form": form, "vendor": vendor})


@company_admin_required
@require_http_methods(["GET", "POST"])
def person_edit(request, company, person):
    form = PersonForm(request.POST or None, instance=person, company=company, vendor=person.vendor)
    if request.method == "POST" and form.is_valid():
        services.person_save(person=form.save(commit=False), invited_by=request.user)
        messages.success(request, "Person saved.")
        return redirect("vendor_detail", company=company.slug, vendor=person.vendor_id)
    return render(request, "tenancy/person_form.html", {"form": form, "vendor": person.vendor})


@company_admin_required
def email_log(request, company):
    """Every email the company sent or tried to: what failed, and what is not confirmed."""
    status = request.GET.get("status", "")
    if status not in OutgoingEmail.Status.values:
        status = ""
    return render(
        request,
        "tenancy/email_log.html",
        {
            "page": _page(request, selectors.email_log(status=status)),
            "status": status,
            "statuses": OutgoingEmail.Status.choices,
        },
    )
