from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_project_permissions(sender, using="default", **kwargs):
    """The level grants (Read Only, Standard, Admin per tool) are permissions on Project,
    but they are this app's: it creates them after migrate, as Django creates a model's
    Meta.permissions, so the kernel model knows nothing of levels (docs/permissions.md)."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    from tenancy.models import Project

    from .levels import PROJECT_PERMISSIONS

    content_type = ContentType.objects.db_manager(using).get_for_model(Project)
    for codename, name in PROJECT_PERMISSIONS:
        Permission.objects.using(using).get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )


class PermissionsConfig(AppConfig):
    name = "permissions"

    def ready(self):
        post_migrate.connect(create_project_permissions, sender=self)
        from tenancy import url_objects

        from .models import PermissionTemplate, ProjectMember

        url_objects.register("permission_template", PermissionTemplate)
        url_objects.register(
            "project_member", ProjectMember, project_path="project", select_related=["user"]
        )
