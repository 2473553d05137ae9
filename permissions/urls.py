from django.urls import path

from . import views

urlpatterns = [
    path(
        "<slug:company>/permission-templates/",
        views.permission_template_list,
        name="permission_template_list",
    ),
    path(
        "<slug:company>/permission-templates/new/",
        views.permission_template_edit,
        name="permission_template_create",
    ),
    path(
        "<slug:company>/permission-templates/<int:permission_template>/",
        views.permission_template_edit,
        name="permission_template_edit",
    ),
    path(
        "<slug:company>/projects/<int:project>/permissions/",
        views.project_permissions,
        name="project_permissions",
    ),
    path(
        "<slug:company>/projects/<int:project>/permissions/<int:project_member>/remove/",
        views.project_member_remove,
        name="project_member_remove",
    ),
]
