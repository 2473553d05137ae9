"""Writes on permissions: project levels, templates, private lists and invoice contacts.

Every grant is a django-guardian object permission on the project or the commitment.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from invoices.models import Invitation
from tenancy.models import User

from .access import CONTACT, PRIVATE_LIST
from .levels import GRANTS, Level, Tool, codename
from .models import (
    ContractUserObjectPermission,
    ProjectMember,
    ProjectUserObjectPermission,
)


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
def private_list_set(*, contract, users):
    """The users on a private commitment's private list (company members)."""
    if not contract.is_commitment:
        raise ValidationError("Only commitments have a private list.")
    _grant_exactly(contract, PRIVATE_LIST, {user.pk for user in users})


def _grant_exactly(contract, codename, wanted):
    """Grant `codename` on the contract to exactly the users with these ids."""
    current = set(
        ContractUserObjectPermission.objects.filter(
            content_object=contract, permission__codename=codename
        ).values_list("user_id", flat=True)
    )
    for user in User.objects.filter(pk__in=current - wanted):
        remove_perm(f"contracts.{codename}", user, contract)
    for user in User.objects.filter(pk__in=wanted - current):
        assign_perm(f"contracts.{codename}", user, contract)


def private_list(contract):
    return User.objects.filter(
        contractuserobjectpermission__content_object=contract,
        contractuserobjectpermission__permission__codename=PRIVATE_LIST,
    ).order_by("email")


@transaction.atomic
def invoice_contacts_sync(*, contract):
    """Grant "invoice contact" on the commitment to the users of its designated contacts.

    The designation is the commitment's list of directory people; the grant follows it for
    every person who has an account, and goes when the person is no longer designated.
    Open invitations to bill of people no longer designated are revoked.
    """
    wanted = (
        set(contract.invoice_contacts.exclude(user=None).values_list("user_id", flat=True))
        if contract.is_commitment
        else set()
    )
    _grant_exactly(contract, CONTACT, wanted)
    # An invitation to bill goes with the designation: a removed contact's link dies.
    Invitation.objects.filter(contract=contract, status=Invitation.Status.INVITED).exclude(
        contact__in=contract.invoice_contacts.all()
    ).update(status=Invitation.Status.REVOKED)
