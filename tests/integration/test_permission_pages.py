"""Permission templates and the project permissions page."""

import pytest
from django_scopes import scope, scopes_disabled

from permissions.access import ProjectPermissions
from permissions.levels import Level, Tool
from permissions.models import PermissionTemplate, ProjectMember
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def levels_of(user, project):
    with scope(company=project.company):
        permissions = ProjectPermissions(user, project, company_admin=False)
        return permissions.level(Tool.COMMITMENTS), permissions.level(Tool.CLIENT_CONTRACTS)


def test_admin_defines_a_template_and_gives_it_on_a_project(company, project, admin_client):
    admin_client.post(
        "/acme/permission-templates/new/",
        {"name": "Project accountant", "commitments": "2", "client_contracts": "1"},
    )
    with scopes_disabled():
        template = PermissionTemplate.objects.get(name="Project accountant")
    user = MembershipFactory(company=company).user
    url = f"/acme/projects/{project.pk}/permissions/"
    admin_client.post(url, {"user": user.pk, "template": template.pk})
    assert levels_of(user, project) == (Level.STANDARD, Level.READ_ONLY)
    page = admin_client.get(url).content.decode()
    assert user.email in page and "Project accountant" in page and "Standard" in page

    # Changing the template changes the access of everyone given it.
    admin_client.post(
        f"/acme/permission-templates/{template.pk}/",
        {"name": "Project accountant", "commitments": "3", "client_contracts": "0"},
    )
    assert levels_of(user, project) == (Level.ADMIN, Level.NONE)


def test_levels_per_tool_without_a_template_and_removal(company, project, admin_client):
    user = MembershipFactory(company=company).user
    url = f"/acme/projects/{project.pk}/permissions/"
    admin_client.post(url, {"user": user.pk, "commitments": "1", "client_contracts": "3"})
    assert levels_of(user, project) == (Level.READ_ONLY, Level.ADMIN)
    assert "Custom" in admin_client.get(url).content.decode()
    with scopes_disabled():
        member = ProjectMember.objects.get(user=user)
    admin_client.post(f"{url}{member.pk}/remove/")
    assert levels_of(user, project) == (Level.NONE, Level.NONE)
    assert not ProjectMember.objects.with_scopes_disabled().filter(user=user).exists()


def test_a_duplicate_template_name_is_explained(company, admin_client):
    PermissionTemplate.objects.create(company=company, name="Viewers")
    response = admin_client.post(
        "/acme/permission-templates/new/",
        {"name": "Viewers", "commitments": "1", "client_contracts": "1"},
    )
    assert "The company already has a template with this name." in response.content.decode()


def test_only_company_admins_manage_permissions(company, project, reader_client):
    assert reader_client.get(f"/acme/projects/{project.pk}/permissions/").status_code == 403
    assert reader_client.get("/acme/permission-templates/").status_code == 403


def test_a_user_without_access_to_a_project_gets_404(company, project, member_client):
    assert member_client.get(f"/acme/projects/{project.pk}/").status_code == 404
    assert "Riverside" not in member_client.get("/acme/projects/").content.decode()
