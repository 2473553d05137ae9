from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from tenancy.access import company_admin_required
from tenancy.forms import add_service_error

from . import services
from .forms import PermissionTemplateForm, ProjectMemberForm
from .levels import Level, Tool
from .models import PermissionTemplate, ProjectMember


@company_admin_required
def permission_template_list(request, company):
    return render(
        request,
        "permissions/template_list.html",
        {"templates": PermissionTemplate.objects.all()},
    )


@company_admin_required
@require_http_methods(["GET", "POST"])
def permission_template_edit(request, company, permission_template=None):
    form = PermissionTemplateForm(
        request.POST or None, instance=permission_template, company=company
    )
    if request.method == "POST" and form.is_valid():
        try:
            template = services.permission_template_save(template=form.save(commit=False))
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Template “{template}” saved.")
            return redirect("permission_template_list", company=company.slug)
    return render(
        request, "permissions/template_form.html", {"form": form, "template": permission_template}
    )


@company_admin_required
@require_http_methods(["GET", "POST"])
def project_permissions(request, company, project):
    """Who has what on the project, with the template they were given."""
    form = ProjectMemberForm(request.POST or None, company=company)
    if request.method == "POST" and form.is_valid():
        template = form.cleaned_data["template"]
        services.project_member_set(
            project=project,
            user=form.cleaned_data["user"],
            template=template,
            levels=None if template else form.levels(),
        )
        messages.success(request, f"{form.cleaned_data['user']}'s access saved.")
        return redirect("project_permissions", company=company.slug, project=project.pk)
    levels = services.project_levels(project)
    members = ProjectMember.objects.filter(project=project).select_related("user", "template")
    rows = [
        {
            "member": member,
            "levels": [levels.get(member.user_id, {}).get(tool, Level.NONE) for tool in Tool],
        }
        for member in members.order_by("user__email")
    ]
    return render(
        request,
        "permissions/project_permissions.html",
        {"rows": rows, "tools": list(Tool), "form": form},
        status=200 if not form.is_bound else 422,
    )


@company_admin_required
@require_POST
def project_member_remove(request, company, project, project_member):
    services.project_member_set(project=project, user=project_member.user, levels={})
    messages.success(request, f"{project_member.user} no longer has access to {project}.")
    return redirect("project_permissions", company=company.slug, project=project.pk)
