"""No tenant ever sees another's data: 404 for outsiders, login for anonymous visitors."""

import pytest
from django.urls import resolve
from django_scopes import scope
from django_scopes.exceptions import ScopeError

from tenancy.models import Project, Vendor
from tests.factories import (
    ContractFactory,
    PersonFactory,
    ProjectFactory,
    UserFactory,
    VendorFactory,
)
from tests.helpers import client_for, one_of_everything
from tests.urlsweep import fill_route, url_patterns

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant_urls(company):
    """Every company URL, filled with objects of `company` (the victim)."""
    values = one_of_everything(company)
    return [
        fill_route(route, values)
        for route, _ in url_patterns()
        if route.startswith("<slug:company>/")
    ]


def test_the_sweep_covers_every_tenant_page(tenant_urls):
    assert len(tenant_urls) >= 35


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_companys_admin_gets_404_everywhere(tenant_urls, outsider, method):
    client = client_for(outsider)
    answers = {url: getattr(client, method)(url).status_code for url in tenant_urls}
    assert answers == dict.fromkeys(tenant_urls, 404)


def test_a_user_of_no_company_gets_404_everywhere(tenant_urls):
    client = client_for(UserFactory())
    answers = {url: client.get(url).status_code for url in tenant_urls}
    assert answers == dict.fromkeys(tenant_urls, 404)


def test_a_missing_company_answers_like_a_foreign_one(outsider):
    client = client_for(outsider)
    assert client.get("/no-such-company/projects/").status_code == 404


def test_logged_out_visitors_are_sent_to_log_in(client, tenant_urls):
    for url in tenant_urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/accounts/login/?next="), url


def test_own_company_in_the_url_does_not_reach_another_companys_objects(
    company, admin_client, other_company
):
    """The company slug is mine, the id is theirs: still 404, as for a missing id."""
    their_project = ProjectFactory(company=other_company)
    their_vendor = VendorFactory(company=other_company)
    their_person = PersonFactory(vendor=their_vendor)
    for url in [
        f"/acme/projects/{their_project.pk}/",
        f"/acme/projects/{their_project.pk}/edit/",
        f"/acme/directory/{their_vendor.pk}/",
        f"/acme/directory/{their_vendor.pk}/edit/",
        f"/acme/directory/{their_vendor.pk}/people/new/",
        f"/acme/directory/people/{their_person.pk}/edit/",
    ]:
        assert admin_client.get(url).status_code == 404, url


def test_lists_show_only_the_companys_own_rows(company, admin_client, other_company):
    ProjectFactory(company=company, name="Our Clinic")
    ProjectFactory(company=other_company, name="Their Warehouse")
    VendorFactory(company=other_company, name="Their Plumber")
    projects = admin_client.get("/acme/projects/").content.decode()
    assert "Our Clinic" in projects
    assert "Their Warehouse" not in projects
    assert "Their Plumber" not in admin_client.get("/acme/directory/").content.decode()


def test_an_unscoped_query_fails_loudly(project):
    with pytest.raises(ScopeError), scope():
        list(Project.objects.all())
    with pytest.raises(ScopeError), scope():
        Vendor.objects.count()


@pytest.fixture
def projects_a_fixture_sees(project, other_company):
    ProjectFactory(company=other_company)
    return set(Project.objects.all())  # no scope here: tests/conftest.py turns it off


def test_fixtures_run_unscoped_and_test_bodies_do_not(projects_a_fixture_sees, project):
    assert len(projects_a_fixture_sees) == 2 and project in projects_a_fixture_sees
    with pytest.raises(ScopeError):
        list(Project.objects.all())


def test_a_scoped_query_sees_one_company(company, other_company):
    ProjectFactory(company=company)
    ProjectFactory(company=other_company)
    with scope(company=company):
        assert {p.company_id for p in Project.objects.all()} == {company.pk}


def test_a_vendor_contact_reaches_the_company_but_not_its_records(company, contact):
    client = client_for(contact)
    assert client.get("/acme/projects/").status_code == 200
    assert client.get("/acme/directory/").status_code == 404
    assert client.get("/acme/users/").status_code == 404


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_vendor_contact_gets_404_on_every_company_page(company, contact, method):
    """Rule 4: outside the company's membership, its own records answer as missing ones
    (directory, people, users, emails, permission templates, project permissions)."""
    values = one_of_everything(company)
    urls = [
        fill_route(route, values)
        for route, _ in url_patterns()
        if route.startswith("<slug:company>/")
        and set(resolve(fill_route(route, values)).func.permission_action)
        & {"company_member", "company_admin"}
    ]
    assert len(urls) >= 15
    client = client_for(contact)
    answers = {url: getattr(client, method)(url).status_code for url in urls}
    assert answers == dict.fromkeys(urls, 404)


def test_objects_are_reached_only_through_their_own_project_and_parent(company, admin_client):
    """Same company, wrong project or wrong contract in the URL: 404 as for a missing id."""
    values = one_of_everything(company)
    other_project = ProjectFactory(company=company)
    other_contract = ContractFactory(project=other_project)
    project, contract = values["project"], values["contract"]
    for url in [
        f"/acme/projects/{other_project.pk}/contracts/{contract}/",
        f"/acme/projects/{other_project.pk}/billing-periods/{values['period']}/edit/",
        f"/acme/projects/{project}/contracts/{other_contract.pk}/invoices/{values['invoice']}/",
        f"/acme/projects/{project}/contracts/{other_contract.pk}/sov/{values['sov_line']}/",
        f"/acme/projects/{project}/contracts/{other_contract.pk}/change-orders/"
        f"{values['change_order']}/",
    ]:
        assert admin_client.get(url).status_code == 404, url
    assert admin_client.get(f"/acme/projects/{project}/contracts/{contract}/").status_code == 200
