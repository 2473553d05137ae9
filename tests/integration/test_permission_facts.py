"""Each permission fact lives in one place (docs/permissions.md, where each fact lives):
the invoice contacts on the contract, the private list as guardian grants, the project
levels as grants the permissions app creates."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django_scopes import scope, scopes_disabled

from contracts import services
from permissions.levels import PROJECT_PERMISSIONS, Level
from permissions.models import ContractUserObjectPermission
from permissions.selectors import contract_private_users
from permissions.services import contract_private_users_set
from tests.factories import ContractFactory, MembershipFactory, PersonFactory, VendorFactory
from tests.helpers import client_for, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def commitment(project, vendor):
    return ContractFactory(project=project, vendor=vendor, is_private=True)


def test_a_contact_reaches_the_commitment_from_the_field_alone(
    company, project, vendor, commitment
):
    user = MembershipFactory(company=company).user
    grant(user, project, commitments=Level.READ_ONLY)
    url = f"/acme/projects/{project.pk}/contracts/{commitment.pk}/"
    assert client_for(user).get(url).status_code == 404  # private, and not a contact
    person = PersonFactory(vendor=vendor, email=user.email, user=user)
    with scope(company=company):
        services.contract_invoice_contacts_set(
            contract=commitment, people=[person], acting_user=None
        )
    assert client_for(user).get(url).status_code == 200
    with scopes_disabled():
        assert not ContractUserObjectPermission.objects.exists()  # nothing copied
    with scope(company=company):
        services.contract_invoice_contacts_set(contract=commitment, people=[], acting_user=None)
    assert client_for(user).get(url).status_code == 404


def test_invoice_contacts_work_for_the_commitments_vendor(company, commitment):
    stranger = PersonFactory(vendor=VendorFactory(company=company))
    with scope(company=company), pytest.raises(ValidationError, match="contract's vendor"):
        services.contract_invoice_contacts_set(
            contract=commitment, people=[stranger], acting_user=None
        )


def test_saving_the_contract_form_unchanged_keeps_the_private_list(
    company, project, commitment, admin_client, reader
):
    with scope(company=company):
        contract_private_users_set(contract=commitment, users=[reader])
    url = f"/acme/projects/{project.pk}/contracts/{commitment.pk}/edit/"
    page = admin_client.get(url).content.decode()
    box = re.search(rf'<input[^>]*name="private_list"[^>]*value="{reader.pk}"[^>]*>', page)
    assert box and "checked" in box.group(0)


def test_a_client_contracts_form_has_no_private_list_to_erase(company, project, admin_client):
    client_contract = ContractFactory(project=project, kind="client", client=None)
    page = admin_client.get(
        f"/acme/projects/{project.pk}/contracts/{client_contract.pk}/edit/"
    ).content.decode()
    assert 'name="private_list"' not in page


def test_the_permissions_app_creates_the_project_levels():
    codenames = {codename for codename, _ in PROJECT_PERMISSIONS}
    found = set(
        Permission.objects.filter(
            content_type__app_label="tenancy", codename__in=codenames
        ).values_list("codename", flat=True)
    )
    assert found == codenames


def test_no_invoice_contact_permission_is_left():
    assert not Permission.objects.filter(codename="invoice_contact").exists()


def test_the_private_list_is_read_from_its_grants(company, commitment, reader):
    with scope(company=company):
        contract_private_users_set(contract=commitment, users=[reader])
        assert list(contract_private_users(commitment)) == [reader]
        contract_private_users_set(contract=commitment, users=[])
        assert not contract_private_users(commitment).exists()
