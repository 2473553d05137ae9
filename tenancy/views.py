from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from permissions.access import requires

from . import selectors, services
from .access import company_admin_required, declare, member_required
from .forms import PersonForm, ProjectForm, SearchForm, UserAddForm, VendorForm
from .models import OutgoingEmail

PAGE_SIZE = 50


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@declare("signed_in")
def home(request):
    """Straight to the company's projects for most users; a choice for the others."""
    companies = list(selectors.companies_for_user(request.user))
    if len(companies) == 1:
        return redirect("project_list", company=companies[0].slug)
    return render(request, "tenancy/home.html", {"companies": companies})


@declare("company_access")
def project_list(request, company):
    search = SearchForm(request.GET).search()
    projects = selectors.project_list(
        access=request.company_access, user=request.user, search=search
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
def user_list(request, company):
    return render(
        request,
        "tenancy/user_list.html",
        {"page": _page(request, selectors.user_list(company=company))},
    )


@company_admin_required
@require_http_methods(["GET", "POST"])
def user_add(request, company):
    form = UserAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        membership = services.user_add(
            company=company, invited_by=request.user, **form.cleaned_data
        )
        messages.success(request, f"{membership.user.email} added; we emailed them a link.")
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
        person = services.person_save(person=form.save(commit=False))
        messages.success(request, f"{person} added to {vendor}.")
        return redirect("vendor_detail", company=company.slug, vendor=vendor.pk)
    return render(request, "tenancy/person_form.html", {"form": form, "vendor": vendor})


@company_admin_required
@require_http_methods(["GET", "POST"])
def person_edit(request, company, person):
    form = PersonForm(request.POST or None, instance=person, company=company, vendor=person.vendor)
    if request.method == "POST" and form.is_valid():
        services.person_save(person=form.save(commit=False))
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
