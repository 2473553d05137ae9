"""An existing account joins another company only when its owner accepts, signed in."""

import pytest
from django_scopes import scope, scopes_disabled

from contracts import services as contract_services
from permissions.models import ContractUserObjectPermission, ProjectUserObjectPermission
from tenancy.models import CompanyInvitation, Membership, OutgoingEmail, Person
from tests.factories import ContractFactory, UserFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


def company_pages(project, vendor):
    return [
        "/acme/projects/",
        f"/acme/projects/{project.pk}/",
        "/acme/directory/",
        f"/acme/directory/{vendor.pk}/",
        "/acme/users/",
    ]


def invitation_of(user):
    return CompanyInvitation.objects.get(user=user)


def answer(client, invitation, value):
    return client.post(f"/company-invitations/{invitation.pk}/", {"answer": value})


def test_adding_an_existing_account_invites_it_and_links_nothing(
    company, project, vendor, admin_client, outsider
):
    response = admin_client.post(
        "/acme/users/new/", {"email": "Outsider@Other.test", "full_name": "O", "is_admin": "on"}
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(user=outsider, company=company).exists()
    invitation = invitation_of(outsider)
    assert (invitation.company, invitation.is_admin, invitation.person) == (company, True, None)
    assert invitation.status == CompanyInvitation.Status.PENDING
    with scopes_disabled():
        [email] = OutgoingEmail.objects.filter(to="outsider@other.test")
    assert "invites you to join Acme Builders" in email.subject
    assert "/company-invitations/" in email.body
    outsider.refresh_from_db()
    assert outsider.has_usable_password()

    client = client_for(outsider)
    answers = {url: client.get(url).status_code for url in company_pages(project, vendor)}
    assert answers == dict.fromkeys(answers, 404)
    assert "outsider@other.test" in admin_client.get("/acme/users/").content.decode()


def test_the_owner_accepts_while_signed_in_and_becomes_a_member(company, admin_client, outsider):
    admin_client.post("/acme/users/new/", {"email": "outsider@other.test", "full_name": "O"})
    client = client_for(outsider)
    assert "waiting for your answer" in client.get("/").content.decode()
    page = client.get("/company-invitations/").content.decode()
    assert "Acme Builders" in page and 'value="accept"' in page and 'value="decline"' in page

    response = answer(client, invitation_of(outsider), "accept")
    assert response.url == "/acme/projects/"
    assert Membership.objects.get(user=outsider, company=company).is_admin is False
    assert client.get("/acme/projects/").status_code == 200
    # An answered invitation cannot be answered again.
    assert answer(client, invitation_of(outsider), "decline").status_code == 404


def test_a_declined_invitation_leaves_the_account_outside(company, admin_client, outsider):
    admin_client.post("/acme/users/new/", {"email": "outsider@other.test", "full_name": "O"})
    client = client_for(outsider)
    response = answer(client, invitation_of(outsider), "decline")
    assert response.status_code == 302
    assert invitation_of(outsider).status == CompanyInvitation.Status.DECLINED
    assert not Membership.objects.filter(user=outsider, company=company).exists()
    assert client.get("/acme/projects/").status_code == 404


def test_only_the_invited_account_answers_and_only_by_post(company, admin_client, outsider):
    admin_client.post("/acme/users/new/", {"email": "outsider@other.test", "full_name": "O"})
    invitation = invitation_of(outsider)
    stranger = client_for(UserFactory())
    assert answer(stranger, invitation, "accept").status_code == 404
    assert answer(admin_client, invitation, "accept").status_code == 404
    client = client_for(outsider)
    assert client.get(f"/company-invitations/{invitation.pk}/").status_code == 405
    assert answer(client, invitation, "maybe").status_code == 400
    assert invitation_of(outsider).status == CompanyInvitation.Status.PENDING
    assert not Membership.objects.filter(user=outsider, company=company).exists()


def test_a_brand_new_email_is_added_as_before(company, admin_client):
    admin_client.post("/acme/users/new/", {"email": "New@Acme.test", "full_name": "New"})
    assert Membership.objects.filter(company=company, user__email="new@acme.test").exists()
    assert not CompanyInvitation.objects.exists()


def test_a_person_with_an_accounts_email_is_invited_not_linked(
    company, project, vendor, admin, admin_client, outsider
):
    commitment = ContractFactory(project=project, vendor=vendor)
    response = admin_client.post(
        f"/acme/directory/{vendor.pk}/people/new/",
        {"full_name": "Olive", "email": "OUTSIDER@other.test"},
    )
    assert response.status_code == 302
    with scopes_disabled():
        person = Person.objects.get(full_name="Olive")
    assert person.user is None
    invitation = invitation_of(outsider)
    assert (invitation.person, invitation.invited_by) == (person, admin)
    with scope(company=company):
        contract_services.contract_update(
            contract=commitment, acting_user=None, invoice_contacts=[person]
        )

    # Project permissions cannot be given to the account before it accepts.
    response = admin_client.post(
        f"/acme/projects/{project.pk}/permissions/",
        {"user": outsider.pk, "commitments": 3, "client_contracts": 3},
    )
    assert response.status_code == 422
    client = client_for(outsider)
    assert client.get("/acme/projects/").status_code == 404
    with scopes_disabled():
        assert not ProjectUserObjectPermission.objects.filter(user=outsider).exists()
        assert not ContractUserObjectPermission.objects.filter(user=outsider).exists()

    assert answer(client, invitation, "accept").status_code == 302
    person.refresh_from_db()
    assert person.user == outsider
    with scopes_disabled():  # the contact's access is read from this, not copied
        assert commitment.invoice_contacts.filter(user=outsider).exists()
    assert not Membership.objects.filter(user=outsider, company=company).exists()
    assert client.get("/acme/projects/").status_code == 200  # as the vendor's contact
    assert client.get("/acme/directory/").status_code == 404


def test_a_person_with_a_members_email_is_linked_at_once(company, vendor, admin_client, member):
    admin_client.post(
        f"/acme/directory/{vendor.pk}/people/new/",
        {"full_name": "Mem", "email": "Member@Acme.test"},
    )
    with scopes_disabled():
        assert Person.objects.get(full_name="Mem").user == member
    assert not CompanyInvitation.objects.exists()


def test_editing_an_invited_person_does_not_invite_again(vendor, admin_client, outsider):
    admin_client.post(
        f"/acme/directory/{vendor.pk}/people/new/",
        {"full_name": "Olive", "email": "outsider@other.test"},
    )
    with scopes_disabled():
        person = Person.objects.get(full_name="Olive")
    admin_client.post(
        f"/acme/directory/people/{person.pk}/edit/",
        {"full_name": "Olive O.", "email": "outsider@other.test"},
    )
    assert CompanyInvitation.objects.filter(user=outsider).count() == 1
    with scopes_disabled():
        assert OutgoingEmail.objects.filter(to="outsider@other.test").count() == 1


def test_an_invitation_for_a_person_since_changed_is_refused(vendor, admin_client, outsider):
    admin_client.post(
        f"/acme/directory/{vendor.pk}/people/new/",
        {"full_name": "Olive", "email": "outsider@other.test"},
    )
    with scopes_disabled():
        person = Person.objects.get(full_name="Olive")
    admin_client.post(
        f"/acme/directory/people/{person.pk}/edit/",
        {"full_name": "Olive", "email": "someone.else@other.test"},
    )
    client = client_for(outsider)
    response = answer(client, invitation_of(outsider), "accept")
    assert response.url == "/company-invitations/"
    person.refresh_from_db()
    assert person.user is None
    assert client.get("/acme/projects/").status_code == 404
