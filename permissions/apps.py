from django.apps import AppConfig


class PermissionsConfig(AppConfig):
    name = "permissions"

    def ready(self):
        from tenancy import url_objects

        from .models import PermissionTemplate, ProjectMember

        url_objects.register("permission_template", PermissionTemplate)
        url_objects.register(
            "project_member", ProjectMember, project_path="project", select_related=["user"]
        )
