"""The matrix through the HTTP layer: every row that has a view, at every level, as the
invoice contact or not, on the private list or not, on a private commitment or not."""

from decimal import Decimal as D

import pytest
from django_scopes import scope, scopes_disabled

from billing.models import BillingPeriod
from contracts import services as contract_services
from contracts.models import Contract
from invoices.models import Invoice
from invoices.services import invoice_create
from permissions.levels import Level
from permissions.services import contract_private_users_set
from tests.factories import (
    BillingPeriodFactory,
    ContractFactory,
    MembershipFactory,
    PersonFactory,
    SOVLineFactory,
    UserFactory,
)
from tests.helpers import client_for, grant
from tests.permission_table import CASES, EXPECTED, case_id, oracle

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(company, project):
    """A commitment with an SOV line and an invoice, a client contract, two periods."""
    commitment = ContractFactory(project=project, number="SC-1")
    sov_line = SOVLineFactory(contract=commitment, scheduled_value=D("1000.00"))
    client_contract = ContractFactory(project=project, kind=Contract.Kind.CLIENT, number="PC-1")
    SOVLineFactory(contract=client_contract)
    first, second = BillingPeriodFactory(project=project), BillingPeriodFactory(project=project)
    with scope(company=company):
        invoice = invoice_create(contract=commitment, period=first, acting_user=None)
    return {
        "commitment": commitment,
        "sov_line": sov_line,
        "client_contract": client_contract,
        "periods": (first, second),
        "invoice": invoice,
    }


def make_user(company, project, commitment, level, contact, private_list):
    user = MembershipFactory(company=company).user
    grant(user, project, commitments=level)
    with scope(company=company):
        if contact:
            PersonFactory(vendor=commitment.vendor, email=user.email, user=user)
            commitment.invoice_contacts.set(commitment.vendor.people.all())
        if private_list:
            contract_private_users_set(contract=commitment, users=[user])
    return user


def expected_status(code, case, *, sees_object=True):
    """404 when the object is out of reach, 403 when seen but refused, else allowed."""
    level, contact, private_list, private = case
    if not sees_object:
        return 404
    if not oracle(EXPECTED[code][1 + level], level, contact, private_list, private):
        return 403
    return "allowed"


def outcome(response):
    return response.status_code if response.status_code in (403, 404) else "allowed"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_rows_with_views(company, project, world, case):
    level, contact, private_list, private = case
    commitment = world["commitment"]
    if private:
        Contract.objects.with_scopes_disabled().filter(pk=commitment.pk).update(is_private=True)
        commitment.refresh_from_db()
    client = client_for(make_user(company, project, commitment, level, contact, private_list))
    base = f"/acme/projects/{project.pk}"
    contract_url = f"{base}/contracts/{commitment.pk}"
    sees_project = level > Level.NONE
    sees_commitment = oracle("✓", level, contact, private_list, private)
    second = world["periods"][1]

    requests = {
        # code: (method, path, data, whether the object in the URL is within reach)
        "T1-6": ("get", f"{base}/settings/progress-billings/", None, sees_project),
        "T1-8": ("get", f"{base}/billing-periods/new/", None, sees_project),
        "T1-12": ("post", f"{base}/billing-periods/{second.pk}/open/", {}, sees_project),
        "T1-20": ("get", f"{contract_url}/invoices/{world['invoice'].pk}/", None, sees_commitment),
        "T2-19": (
            "post",
            f"{contract_url}/ssov/{world['sov_line'].pk}/new/",
            {"description": "Detail", "scheduled_value": "1"},
            sees_commitment,
        ),
        "T1-26": ("post", f"{contract_url}/ssov/status/", {"status": "approved"}, sees_commitment),
    }
    for code, (method, path, data, reachable) in requests.items():
        response = getattr(client, method)(path, data) if data is not None else client.get(path)
        assert outcome(response) == expected_status(code, case, sees_object=reachable), code


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_creating_an_invoice(company, project, world, case):
    """T2-18 (a new invoice as the contact) or T2-5 (on behalf of the contact)."""
    level, contact, private_list, private = case
    commitment = world["commitment"]
    Contract.objects.with_scopes_disabled().filter(pk=commitment.pk).update(is_private=private)
    commitment.refresh_from_db()
    with scope(company=company):
        Invoice.objects.filter(pk=world["invoice"].pk).update(status="approved")
    client = client_for(make_user(company, project, commitment, level, contact, private_list))
    response = client.post(
        f"/acme/projects/{project.pk}/contracts/{commitment.pk}/invoices/new/",
        {"period": world["periods"][1].pk, "invoice_type": "progress"},
    )
    sees = oracle("✓", level, contact, private_list, private)
    expected = (
        "allowed"
        if "allowed"
        in (
            expected_status("T2-18", case, sees_object=sees),
            expected_status("T2-5", case, sees_object=sees),
        )
        else expected_status("T2-18", case, sees_object=sees)
    )
    assert outcome(response) == expected
    with scopes_disabled():
        created = Invoice.objects.filter(contract=commitment).count() == 2
    assert created is (expected == "allowed")


@pytest.mark.parametrize("level", list(Level), ids=lambda level: level.name.lower())
def test_contracts_are_managed_by_admins_of_their_own_tool(company, project, world, level):
    """Commitments Admin manages commitments, not the client contract (rule 1)."""
    client = client_for(make_user(company, project, world["commitment"], level, False, False))
    base = f"/acme/projects/{project.pk}/contracts"
    commitment = client.get(f"{base}/{world['commitment'].pk}/edit/").status_code
    prime = client.get(f"{base}/{world['client_contract'].pk}/edit/").status_code
    assert commitment == {Level.NONE: 404, Level.ADMIN: 200}.get(level, 403)
    assert prime == 404  # None on Client Contracts: the client contract is out of reach


def test_a_read_only_users_writes_are_refused_and_change_nothing(company, project, world):
    user = make_user(company, project, world["commitment"], Level.READ_ONLY, False, False)
    client = client_for(user)
    base = f"/acme/projects/{project.pk}"
    contract_url = f"{base}/contracts/{world['commitment'].pk}"
    writes = [
        (f"{contract_url}/edit/", {"title": "Hijacked"}),
        (f"{contract_url}/sov/new/", {"description": "x", "scheduled_value": "5"}),
        (f"{contract_url}/sov/{world['sov_line'].pk}/delete/", {}),
        (f"{contract_url}/change-orders/new/", {"title": "x"}),
        (
            f"{base}/billing-periods/new/",
            {"start_date": "2027-01-01", "end_date": "2027-01-31", "due_date": "2027-01-25"},
        ),
        (f"{base}/billing-periods/{world['periods'][1].pk}/open/", {}),
        (f"{contract_url}/invoices/{world['invoice'].pk}/submit/", {}),
    ]
    for path, data in writes:
        assert client.post(path, data).status_code == 403, path
        assert client.post(path, data, headers={"HX-Request": "true"}).status_code == 403, path
    with scopes_disabled():
        commitment = Contract.objects.get(pk=world["commitment"].pk)
        assert commitment.title != "Hijacked"
        assert commitment.sov_lines.count() == 1
        assert not commitment.change_orders.exists()
        assert BillingPeriod.objects.filter(project=project).count() == 2
        assert not BillingPeriod.objects.filter(status="open").exists()
        assert Invoice.objects.get(pk=world["invoice"].pk).status == "draft"


def test_company_admins_are_admin_everywhere(company, project, world, admin):
    client = client_for(admin)
    base = f"/acme/projects/{project.pk}/contracts"
    assert client.get(f"{base}/{world['client_contract'].pk}/edit/").status_code == 200
    assert client.get(f"{base}/{world['commitment'].pk}/edit/").status_code == 200


def test_a_vendor_contact_sees_only_its_own_commitments(company, project, world, vendor):
    other = ContractFactory(project=project, number="SC-2")
    user = UserFactory()
    PersonFactory(vendor=world["commitment"].vendor, email=user.email, user=user)
    grant(user, project, commitments=Level.READ_ONLY)
    with scope(company=company):
        world["commitment"].invoice_contacts.set(world["commitment"].vendor.people.all())
    client = client_for(user)
    base = f"/acme/projects/{project.pk}/contracts"
    listing = client.get(f"{base}/").content.decode()
    assert "SC-1" in listing and "SC-2" not in listing and "PC-1" not in listing
    assert client.get(f"{base}/{world['commitment'].pk}/").status_code == 200
    assert client.get(f"{base}/{other.pk}/").status_code == 404
    assert client.get(f"{base}/{world['client_contract'].pk}/").status_code == 404


@pytest.mark.parametrize("commitments", [3, 30])
def test_permissions_on_a_list_cost_the_same_queries_whatever_the_rows(
    company, project, commitments, django_assert_max_num_queries
):
    user = MembershipFactory(company=company).user
    grant(user, project, commitments=Level.READ_ONLY, client_contracts=Level.READ_ONLY)
    for index in range(commitments):
        contract = ContractFactory(project=project, is_private=index % 2 == 0)
        if index % 3 == 0:
            with scope(company=company):
                contract_private_users_set(contract=contract, users=[user])
    client = client_for(user)
    with django_assert_max_num_queries(9):
        response = client.get(f"/acme/projects/{project.pk}/contracts/")
    # Visible: the public half, and the private ones the user is on the list of.
    visible = commitments - len(range(0, commitments, 2)) + len(range(0, commitments, 6))
    assert response.content.decode().count('">SC-') == visible


def test_a_designated_contact_gets_the_grant_when_the_person_gets_an_account(
    company, project, world
):
    commitment = world["commitment"]
    person = PersonFactory(vendor=commitment.vendor, email="late@vendor.test")
    with scope(company=company):
        contract_services.contract_update(
            contract=commitment, acting_user=None, invoice_contacts=[person]
        )
    user = UserFactory(email="late@vendor.test")
    grant(user, project, commitments=Level.READ_ONLY)
    client = client_for(user)
    path = f"/acme/projects/{project.pk}/contracts/{commitment.pk}/"
    assert client.get(path).status_code == 404  # no account linked yet: not the contact
    from tenancy.services import company_invitation_answer, person_save

    with scope(company=company):
        person.refresh_from_db()
        person_save(person=person)
    # The account is invited to be the person, and linked when its owner accepts.
    assert client.get(path).status_code == 404
    company_invitation_answer(invitation=user.company_invitations.get(), user=user, accept=True)
    assert client.get(path).status_code == 200
