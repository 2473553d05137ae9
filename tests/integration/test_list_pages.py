"""The lists of a project: counted, summed and paged by the database (docs/tenancy.md,
lists and compression), so their queries stay the same whatever the rows and their totals
are the whole filtered list's."""

import re
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from contracts.models import ChangeOrder, ChangeOrderLine, Contract
from invoices.models import Invoice
from permissions.access import ProjectPermissions
from permissions.levels import Level
from permissions.services import contract_private_users_set
from tests.factories import (
    BillingPeriodFactory,
    ContractFactory,
    MembershipFactory,
    PersonFactory,
    ProjectFactory,
)
from tests.helpers import HTMX, client_for, grant
from tests.lists import make_commitments

pytestmark = pytest.mark.django_db


def invoicing_url(period, query=""):
    return f"/acme/projects/{period.project_id}/billing-periods/{period.pk}/invoicing/{query}"


def contracts_url(project, query=""):
    return f"/acme/projects/{project.pk}/contracts/{query}"


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def footer(page):
    """The figures of the table's total row."""
    row = re.search(r"<tfoot>(.*?)</tfoot>", page, re.S).group(1)
    return [D(f.replace(",", "")) for f in re.findall(r'<td class="num">([\d,.]+)</td>', row)]


@pytest.fixture
def project_admin(company):
    """A member, not a company admin: the database filters what it sees (a company admin
    sees everything unfiltered). Each test grants it a level on its projects."""
    return MembershipFactory(company=company, user__email="project-admin@acme.test").user


@pytest.mark.parametrize("who", ["admin", "project_admin"])
def test_the_invoicing_page_costs_the_same_queries_for_10_and_2000_commitments(
    company, admin, project_admin, who
):
    user = admin if who == "admin" else project_admin
    counts = []
    for size in (10, 2000):
        project = ProjectFactory(company=company)
        grant(project_admin, project, Level.ADMIN, Level.READ_ONLY)
        period = BillingPeriodFactory(project=project)
        make_commitments(project, period, size)
        count, page = queries(client_for(user), invoicing_url(period))
        assert page.count('name="invoices"') + page.count('name="commitments"') <= 50
        assert f"of {size:,}" in page
        counts.append(count)
    assert counts[0] == counts[1]


@pytest.mark.parametrize("who", ["admin", "project_admin"])
def test_the_contract_list_costs_the_same_queries_for_10_and_2000_commitments(
    company, admin, project_admin, who
):
    user = admin if who == "admin" else project_admin
    counts = []
    for size in (10, 2000):
        project = ProjectFactory(company=company)
        grant(project_admin, project, Level.STANDARD, Level.READ_ONLY)
        make_commitments(project, BillingPeriodFactory(project=project), size)
        count, page = queries(client_for(user), contracts_url(project))
        assert f"1–{min(size, 50)} of {size:,}" in page
        counts.append(count)
    assert counts[0] == counts[1]


def test_the_invoicing_totals_are_the_sum_of_every_row_not_of_the_page(
    company, project, admin_client
):
    period = BillingPeriodFactory(project=project)
    make_commitments(project, period, 120)
    pages = [queries(admin_client, invoicing_url(period, f"?page={n}"))[1] for n in (1, 2, 3)]
    with scopes_disabled():
        invoices = Invoice.objects.filter(period=period)
        expected = [
            sum(i.total_completed_and_stored for i in invoices),
            sum(i.total_retainage for i in invoices),
            sum(i.current_payment_due for i in invoices),
        ]
    rows = [
        [D(f.replace(",", "")) for f in re.findall(r'<td class="num">([\d,.]+)</td>', body)]
        for page in pages
        for body in re.findall(
            r"<tr>\s*<td>.*?</tr>", re.sub(r"<tfoot>.*?</tfoot>", "", page, flags=re.S), re.S
        )
    ]
    assert len(rows) == 120
    assert [sum(row[i] for row in rows if row) for i in range(3)] == expected
    assert all(footer(page) == expected for page in pages)


def test_the_invoicing_totals_follow_the_filters(company, project, admin_client):
    period = BillingPeriodFactory(project=project)
    make_commitments(project, period, 30)
    _, page = queries(admin_client, invoicing_url(period, "?search=SC-0000"))
    # SC-00000 … SC-00009: the even ones invoiced, completed 100 + index.
    assert footer(page)[0] == sum(D("100.00") + i for i in range(0, 10, 2))
    assert "1–10 of 10" in page


def test_the_contract_list_totals_are_the_whole_lists(company, project, admin_client):
    commitments = make_commitments(project, BillingPeriodFactory(project=project), 60)
    with scopes_disabled():
        for number, status, approved_on, amount in (
            ("CO-1", ChangeOrder.Status.APPROVED, date(2026, 1, 15), "250.00"),
            ("CO-2", ChangeOrder.Status.PENDING, None, "7.00"),
        ):
            change_order = ChangeOrder.objects.create(
                contract=commitments[3],
                number=number,
                title="More",
                status=status,
                approved_on=approved_on,
            )
            for position in (1, 2):  # two lines: a join would count the contract twice
                ChangeOrderLine.objects.create(
                    change_order=change_order,
                    position=position,
                    description="More work",
                    scheduled_value=D(amount),
                )
    _, page = queries(admin_client, contracts_url(project, "?kind=commitments&page=2"))
    original = sum(D("1000.00") + i for i in range(60))
    assert footer(page) == [original, D("500.00"), original + D("500.00")]
    assert "51–60 of 60" in page


def test_page_links_keep_the_filters(company, project, admin_client):
    period = BillingPeriodFactory(project=project)
    make_commitments(project, period, 200)
    _, page = queries(admin_client, invoicing_url(period, "?search=SC-&state=draft&page=1"))
    assert "1–50 of 100" in page
    assert 'href="?search=SC-&amp;state=draft&amp;page=2"' in page
    _, second = queries(admin_client, invoicing_url(period, "?search=SC-&state=draft&page=2"))
    assert "51–100 of 100" in second
    assert 'href="?search=SC-&amp;state=draft&amp;page=1"' in second
    _, contracts = queries(admin_client, contracts_url(project, "?kind=commitments"))
    assert 'href="?kind=commitments&amp;page=2"' in contracts


def test_the_htmx_answer_pages_too(company, project, admin_client):
    period = BillingPeriodFactory(project=project)
    make_commitments(project, period, 60)
    response = admin_client.get(invoicing_url(period, "?group=vendor&page=2"), headers=HTMX)
    page = response.content.decode()
    assert page.startswith('\n<div id="invoicing-results">') or page.lstrip().startswith(
        '<div id="invoicing-results">'
    )
    assert "51–60 of 60" in page
    assert 'hx-get="?group=vendor&amp;page=1"' in page


@pytest.mark.parametrize("bad", ["x", "0", "-1", "99999999999999999999999", "1e309", "%00"])
def test_a_bad_page_gives_a_page_never_an_error(company, project, admin_client, bad):
    period = BillingPeriodFactory(project=project)
    make_commitments(project, period, 60)
    for url in (invoicing_url(period, f"?page={bad}"), contracts_url(project, f"?page={bad}")):
        response = admin_client.get(url)
        assert response.status_code == 200
        assert re.search(r"(1–50|51–60) of 60", response.content.decode())


def test_the_vendor_filter_offers_the_projects_vendors_only(company, project, vendor, admin_client):
    period = BillingPeriodFactory(project=project)
    ContractFactory(project=project, vendor=vendor)
    ContractFactory(project=ProjectFactory(company=company))  # another project's vendor
    _, page = queries(admin_client, invoicing_url(period))
    options = re.search(r'<select id="f-vendor".*?</select>', page, re.S).group(0)
    assert options.count("<option") == 2
    assert "Apex Electrical" in options


def test_the_database_sees_what_the_matrix_sees(company, project, vendor):
    """permissions.visible() filters in SQL; can("view_contract") answers per contract:
    for every kind of user and contract, the same answer."""
    contact_user = MembershipFactory(company=company, user__email="contact@apex.test").user
    contact_person = PersonFactory(vendor=vendor, email=contact_user.email, user=contact_user)
    contracts = {
        "client": ContractFactory(project=project, kind=Contract.Kind.CLIENT),
        "open": ContractFactory(project=project, vendor=vendor),
        "private": ContractFactory(project=project, vendor=vendor, is_private=True),
        "private, listed": ContractFactory(project=project, vendor=vendor, is_private=True),
        "private, contact": ContractFactory(project=project, vendor=vendor, is_private=True),
        "contact": ContractFactory(project=project, vendor=vendor),
    }
    grant(contact_user, project, Level.READ_ONLY, Level.READ_ONLY)
    # (user, company admin, external)
    users = {"contact": (contact_user, False, False), "vendor": (contact_user, False, True)}
    for level in Level:
        for client_level in (Level.NONE, Level.READ_ONLY):
            user = MembershipFactory(company=company).user
            grant(user, project, level, client_level)
            users[f"{level.name}/{client_level.name}"] = (user, False, False)
    users["company admin"] = (MembershipFactory(company=company).user, True, False)
    with scope(company=company):
        for name in ("private, contact", "contact"):
            contracts[name].invoice_contacts.set([contact_person])
        listed = [user for name, (user, _, _) in users.items() if "/" in name]
        contract_private_users_set(contract=contracts["private, listed"], users=listed)
        everything = Contract.objects.filter(project=project)
        for name, (user, company_admin, external) in users.items():
            permissions = ProjectPermissions(
                user, project, company_admin=company_admin, external=external
            )
            by_matrix = {c.pk for c in everything if permissions.can("view_contract", obj=c)}
            by_database = set(permissions.visible(everything).values_list("pk", flat=True))
            assert by_database == by_matrix, name


@pytest.mark.parametrize("periods", [3, 60])
def test_the_period_list_pages_newest_first_in_constant_queries(
    company, project, admin_client, periods
):
    BillingPeriodFactory.create_batch(periods, project=project)
    count, page = queries(admin_client, f"/acme/projects/{project.pk}/billing-periods/")
    assert count <= 8
    assert f"1–{min(periods, 50)} of {periods}" in page
    assert page.count("/invoicing/") == min(periods, 50)


def test_a_bulk_status_from_a_later_page_comes_back_to_it(company, project, admin_client):
    period = BillingPeriodFactory(project=project)
    make_commitments(project, period, 200)
    _, page = queries(admin_client, invoicing_url(period, "?state=draft&page=2"))
    chosen = re.findall(r'name="invoices" value="(\d+)"', page)[:3]
    assert len(chosen) == 3
    assert 'name="query" value="state=draft&amp;page=2"' in page
    response = admin_client.post(
        invoicing_url(period, "status/"),
        {"invoices": chosen, "status": "approved", "query": "state=draft&page=2"},
    )
    assert response["Location"].endswith("/invoicing/?state=draft&page=2")
    with scopes_disabled():
        statuses = set(Invoice.objects.filter(pk__in=chosen).values_list("status", flat=True))
    assert statuses == {"approved"}
    _, after = queries(admin_client, invoicing_url(period, "?state=draft"))
    assert "1–50 of 97" in after


@pytest.mark.parametrize("change_orders", [3, 60])
def test_the_contract_page_pages_its_change_orders_in_constant_queries(
    company, project, admin_client, change_orders, django_assert_max_num_queries
):
    contract = ContractFactory(project=project)
    with scopes_disabled():
        ChangeOrder.objects.bulk_create(
            ChangeOrder(contract=contract, number=f"CO-{n}", title="More")
            for n in range(change_orders)
        )
    url = f"/acme/projects/{project.pk}/contracts/{contract.pk}/"
    with django_assert_max_num_queries(25):
        page = admin_client.get(url).content.decode()
    shown = min(change_orders, 50)
    assert f"1–{shown} of {change_orders}" in page
    assert page.count("/change-orders/") - page.count("/change-orders/new/") == shown
