"""Writes on permissions: project levels, templates and private lists.

Every grant is a django-guardian object permission on the project or the commitment. The
invoice contacts are not grants: they are the contract's own field (docs/permissions.md).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from tenancy.models import User

from .levels import GRANTS, Level, Tool, codename
from .models import ProjectMember, ProjectUserObjectPermission
from .selectors import PRIVATE_LIST, contract_private_users


@transaction.atomic
def project_member_set(*, project, user, levels=None, template=None):
    """Give `user` these levels on the project: a template's, or one per tool.

    Replaces whatever the user had on the project; all None removes the user from it.
    """
    if template is not None:
        levels = {
            Tool.COMMITMENTS: template.commitments,
            Tool.CLIENT_CONTRACTS: template.client_contracts,
        }
    levels = {Tool(tool): Level(level) for tool, level in (levels or {}).items()}
    ProjectUserObjectPermission.objects.filter(
        user=user, content_object=project, permission__codename__in=GRANTS
    ).delete()
    if not any(levels.values()):
        ProjectMember.objects.filter(project=project, user=user).delete()
        return None
    for tool, level in levels.items():
        if level:
            assign_perm(f"tenancy.{codename(tool, level)}", user, project)
    member, _ = ProjectMember.objects.update_or_create(
        project=project, user=user, defaults={"template": template}
    )
    return member


def project_levels(project):
    """{user id: {tool: level}} for everyone with a grant on the project, in one query."""
    levels = {}
    rows = ProjectUserObjectPermission.objects.filter(content_object=project).values_list(
        "user_id", "permission__codename"
    )
    for user_id, grant in rows:
        tool, level = GRANTS[grant]
        levels.setdefault(user_id, dict.fromkeys(Tool, Level.NONE))[tool] = level
    return levels


@transaction.atomic
def permission_template_save(*, template):
    template.full_clean()
    template.save()
    # People given the template keep its levels in step with it.
    for member in ProjectMember.objects.filter(template=template).select_related("project", "user"):
        project_member_set(project=member.project, user=member.user, template=template)
    return template


@transaction.atomic
def contract_private_users_set(*, contract, users):
    """Put exactly these users (company members) on a private commitment's private list."""
    if not contract.is_commitment:
        raise ValidationError("Only commitments have a private list.")
    wanted = {user.pk for user in users}
    current = set(contract_private_users(contract).values_list("pk", flat=True))
    for user in User.objects.filter(pk__in=current - wanted):
        remove_perm(f"contracts.{PRIVATE_LIST}", user, contract)
    for user in User.objects.filter(pk__in=wanted - current):
        assign_perm(f"contracts.{PRIVATE_LIST}", user, contract)
