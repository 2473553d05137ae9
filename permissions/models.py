"""Who may do what on a project: levels per tool as django-guardian object grants.

Grants live in direct foreign-key tables (one per object kind), as guardian's maintainers
advise for scale: a project's grants are rows keyed by the project, not generic rows keyed
by a content type and a text primary key.
"""

from django.conf import settings
from django.db import models
from django_scopes import ScopedManager
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from tenancy.models import Company, Project

from .levels import Level


class ProjectUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Project, on_delete=models.CASCADE)


class ProjectGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Project, on_delete=models.CASCADE)


# Named, not imported: permissions sit below contracts (docs/tenancy.md, the layers).
class ContractUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey("contracts.Contract", on_delete=models.CASCADE)


class ContractGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey("contracts.Contract", on_delete=models.CASCADE)


def _level_field(verbose_name):
    return models.PositiveSmallIntegerField(
        choices=Level.choices(), default=Level.NONE, verbose_name=verbose_name
    )


class PermissionTemplate(models.Model):
    """A company's named set of levels, one per tool, to give people on a project."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="permission_templates"
    )
    name = models.CharField(max_length=100)
    commitments = _level_field("Commitments")
    client_contracts = _level_field("Client Contracts")

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"],
                name="permission_template_unique_name",
                violation_error_message="The company already has a template with this name.",
            )
        ]

    def __str__(self):
        return self.name


class ProjectMember(models.Model):
    """Someone given access to a project, and the template it was given with, if any.

    The levels themselves are the guardian grants on the project; this row is what the
    project's permissions page lists.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_memberships"
    )
    template = models.ForeignKey(
        PermissionTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(company="project__company")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="project_member_unique"),
        ]

    def __str__(self):
        return f"{self.user} on {self.project}"
