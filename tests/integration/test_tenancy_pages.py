"""Projects, users and the directory: what company admins and members can do."""

import pytest
from django_scopes import scopes_disabled

from permissions.levels import Level
from tenancy.models import Person, Project, Vendor
from tests.factories import PersonFactory, ProjectFactory, UserFactory, VendorFactory
from tests.helpers import client_for, grant

pytestmark = pytest.mark.django_db


def test_project_list_searches_and_paginates(company, admin_client):
    ProjectFactory.create_batch(55, company=company)
    ProjectFactory(company=company, name="Harbor Bridge", number="X-9")
    first = admin_client.get("/acme/projects/")
    assert "Page 1 of 2" in first.content.decode()
    found = admin_client.get("/acme/projects/?q=harbor").content.decode()
    assert "Harbor Bridge" in found
    assert "Page 1 of" not in found


@pytest.mark.parametrize("rows", [5, 60])
def test_project_list_costs_the_same_queries_whatever_the_rows(
    company, member, member_client, rows, django_assert_max_num_queries
):
    for project in ProjectFactory.create_batch(rows, company=company):
        grant(member, project, Level.READ_ONLY)
    with django_assert_max_num_queries(6):
        response = member_client.get("/acme/projects/")
    assert response.content.decode().count('class="nowrap">P-') == min(rows, 50)


def test_project_home_shows_the_project(project, reader_client):
    page = reader_client.get(f"/acme/projects/{project.pk}/").content.decode()
    assert "Riverside Clinic" in page
    assert "P-100" in page


def test_admin_creates_a_project(company, admin_client):
    response = admin_client.post(
        "/acme/projects/new/",
        {"name": "Oak Garage", "number": "P-200", "start_date": "2026-01-05"},
    )
    with scopes_disabled():
        project = Project.objects.get(number="P-200")
    assert project.company == company
    assert response.url == f"/acme/projects/{project.pk}/"


def test_a_bad_project_form_explains_and_changes_nothing(project, admin_client):
    response = admin_client.post(
        "/acme/projects/new/",
        {
            "name": "Clash",
            "number": "P-100",
            "start_date": "2026-05-01",
            "end_date": "2026-04-01",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Another project of this company has this number." in page
    assert "The end date must be on or after the start date." in page
    assert 'value="Clash"' in page  # what the user typed is kept
    with scopes_disabled():
        assert Project.objects.count() == 1


def test_the_same_project_number_is_fine_in_another_company(project, outsider):
    response = client_for(outsider).post("/other/projects/new/", {"name": "X", "number": "P-100"})
    assert response.status_code == 302


def test_admin_edits_a_project(project, admin_client):
    admin_client.post(
        f"/acme/projects/{project.pk}/edit/", {"name": "Renamed", "number": project.number}
    )
    project.refresh_from_db()
    assert project.name == "Renamed"


@pytest.mark.parametrize(
    "url",
    [
        "/acme/projects/new/",
        "/acme/users/",
        "/acme/users/new/",
        "/acme/directory/new/",
    ],
)
def test_members_who_are_not_admins_are_refused(member_client, url):
    assert member_client.get(url).status_code == 403
    assert member_client.post(url, {"name": "x", "email": "x@x.test"}).status_code == 403


def test_a_refused_write_changes_nothing(project, member_client, vendor):
    member_client.post(f"/acme/projects/{project.pk}/edit/", {"name": "Hijacked"})
    member_client.post(f"/acme/directory/{vendor.pk}/edit/", {"name": "Hijacked"})
    project.refresh_from_db()
    vendor.refresh_from_db()
    assert (project.name, vendor.name) == ("Riverside Clinic", "Apex Electrical")


def test_admin_sees_users_with_their_role(admin, member, admin_client):
    page = admin_client.get("/acme/users/").content.decode()
    assert "admin@acme.test" in page
    assert "member@acme.test" in page
    assert "Company admin" in page


def test_adding_an_existing_user_keeps_their_password(company, admin_client, outsider):
    """An existing account is invited, not linked (test_company_invitations); once its owner
    accepts, it is a member with the role asked for, and its own password."""
    admin_client.post(
        "/acme/users/new/", {"email": "outsider@other.test", "full_name": "O", "is_admin": "on"}
    )
    invitation = outsider.company_invitations.get()
    client_for(outsider).post(f"/company-invitations/{invitation.pk}/", {"answer": "accept"})
    outsider.refresh_from_db()
    assert outsider.has_usable_password()
    assert outsider.memberships.get(company=company).is_admin


def test_members_browse_the_directory(vendor, member_client):
    PersonFactory(vendor=vendor, full_name="Pat Wire")
    assert "Apex Electrical" in member_client.get("/acme/directory/").content.decode()
    assert "Pat Wire" in member_client.get(f"/acme/directory/{vendor.pk}/").content.decode()


def test_admin_adds_a_vendor_and_a_person_linked_to_their_user(company, admin_client):
    user = UserFactory(email="pat@wire.test")
    admin_client.post("/acme/directory/new/", {"name": "Wire Co", "trade": "Electrical"})
    with scopes_disabled():
        vendor = Vendor.objects.get(name="Wire Co")
    response = admin_client.post(
        f"/acme/directory/{vendor.pk}/people/new/",
        {"full_name": "Pat Wire", "email": "Pat@Wire.test"},
    )
    assert response.url == f"/acme/directory/{vendor.pk}/"
    with scopes_disabled():
        person = Person.objects.get(full_name="Pat Wire")
    # The account is linked once its owner accepts (test_company_invitations).
    assert (person.company, person.vendor, person.user) == (company, vendor, None)
    invitation = user.company_invitations.get(person=person)
    client_for(user).post(f"/company-invitations/{invitation.pk}/", {"answer": "accept"})
    person.refresh_from_db()
    assert person.user == user


def test_a_duplicate_vendor_or_person_is_explained(vendor, admin_client):
    PersonFactory(vendor=vendor, email="dup@apex.test")
    response = admin_client.post("/acme/directory/new/", {"name": "Apex Electrical"})
    assert response.status_code == 200
    assert b"The directory already has a company with this name." in response.content
    response = admin_client.post(
        f"/acme/directory/{vendor.pk}/people/new/", {"full_name": "Dup", "email": "dup@apex.test"}
    )
    assert b"The directory already has a person with this email." in response.content


def test_admin_edits_a_person(vendor, admin_client):
    person = PersonFactory(vendor=vendor, full_name="Old Name")
    admin_client.post(
        f"/acme/directory/people/{person.pk}/edit/",
        {"full_name": "New Name", "email": person.email},
    )
    person.refresh_from_db()
    assert person.full_name == "New Name"


def test_directory_lists_only_this_companys_vendors(company, other_company, member_client):
    VendorFactory(company=other_company, name="Foreign Vendor")
    VendorFactory(company=company, name="Local Vendor")
    page = member_client.get("/acme/directory/").content.decode()
    assert "Local Vendor" in page
    assert "Foreign Vendor" not in page
