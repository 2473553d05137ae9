"""Invite to bill (docs/invite-to-bill.md): the emailed link, Yes and No, expiry, the
invoicing page; invitations against the period's invoice (a Draft or Revise & Resubmit one
is invited to be completed, any other state is named) and its due date (docs/periods.md:
afterwards a contact starts no new invoice)."""

import hashlib
import re
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone
from django.utils.html import escape
from django_scopes import scope, scopes_disabled

from billing import services as billing_services
from billing.models import BillingPeriod
from contracts import services as contract_services
from invoices.models import Invitation, Invoice
from invoices.services import invoice_create, invoice_set_status
from permissions.levels import Level
from tenancy.models import User
from tests.factories import (
    BillingPeriodFactory,
    ContractFactory,
    MembershipFactory,
    PersonFactory,
    SOVLineFactory,
    UserFactory,
)
from tests.helpers import Client, client_for, grant

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-and-new-password-42"


@pytest.fixture
def period(project):
    return BillingPeriodFactory(project=project, status=BillingPeriod.Status.OPEN)


@pytest.fixture
def person(company, vendor):
    """An invoice contact with no account yet."""
    return PersonFactory(vendor=vendor, full_name="Pat Foreman", email="pat@apex.test")


@pytest.fixture
def contract(company, project, vendor, person):
    contract = ContractFactory(project=project, vendor=vendor, number="SC-7", title="Drywall")
    SOVLineFactory(contract=contract, scheduled_value=D("50000.00"))
    with scope(company=company):
        contract.invoice_contacts.set([person])
    return contract


def invite_url(project, period):
    return f"/acme/projects/{project.pk}/billing-periods/{period.pk}/invoicing/invite/"


def invoicing_url(project, period):
    return f"/acme/projects/{project.pk}/billing-periods/{period.pk}/invoicing/"


def invite(client, project, period, *contracts, capture, message=""):
    with capture(execute=True):
        return client.post(
            invite_url(project, period),
            {"commitments": [c.pk for c in contracts], "message": message},
        )


def link_in(message):
    return re.search(r"http://\S+/invitations/(\S+)/", message.get_content())


def invitation_of(contract, person):
    """The contact's latest invitation to bill the commitment."""
    with scopes_disabled():
        return Invitation.objects.filter(contract=contract, contact=person).last()


@pytest.fixture
def link(admin_client, project, period, contract, smtp_server, django_capture_on_commit_callbacks):
    """The path of the link the contact was emailed."""
    invite(admin_client, project, period, contract, capture=django_capture_on_commit_callbacks)
    [message] = smtp_server.wait_for(1)
    return f"/invitations/{link_in(message).group(1)}/"


def test_an_admin_invites_the_contacts_and_each_is_emailed_a_link(
    admin_client, admin, project, period, contract, person, smtp_server,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    response = invite(
        admin_client, project, period, contract,
        capture=django_capture_on_commit_callbacks, message="Please bill by Friday.",
    )  # fmt: skip
    assert response.status_code == 302
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "pat@apex.test"
    assert message["Subject"] == f"Invitation to bill SC-7 for {period}"
    body = message.get_content()
    for fact in ["SC-7 Drywall", str(period), "Progress", "Please bill by Friday.", project.name]:
        assert fact in body
    token = link_in(message).group(1)
    invitation = invitation_of(contract, person)
    # Only the digest is stored: the database holds no usable link.
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_hash
    assert (invitation.status, invitation.invited_by) == (Invitation.Status.INVITED, admin)
    assert "Invited" in admin_client.get(invoicing_url(project, period)).content.decode()


def test_inviting_again_sends_a_new_link_and_kills_the_old_one(
    admin_client, project, period, contract, link, smtp_server, django_capture_on_commit_callbacks
):
    invite(admin_client, project, period, contract, capture=django_capture_on_commit_callbacks)
    second = smtp_server.wait_for(2)[1]
    new_link = f"/invitations/{link_in(second).group(1)}/"
    assert new_link != link
    old_page = Client().get(link).content.decode()
    assert "This link was replaced" in old_page and "Ask for a new link" in old_page
    Client().post(link, {"answer": "no"})  # the old link answers nothing
    assert "Do you want to bill this period?" in Client().get(new_link).content.decode()
    with scopes_disabled():
        statuses = list(Invitation.objects.values_list("status", flat=True))
    assert statuses == [Invitation.Status.REVOKED, Invitation.Status.INVITED]


def test_commitments_that_cannot_bill_are_refused_with_reasons(
    company, admin_client, admin, project, period, vendor, contract, smtp_server,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    no_contacts = ContractFactory(project=project, vendor=vendor, number="SC-8")
    needs_ssov = ContractFactory(project=project, vendor=vendor, number="SC-9", ssov_required=True)
    invoiced = ContractFactory(project=project, vendor=vendor, number="SC-10")
    SOVLineFactory(contract=invoiced)
    with scope(company=company):
        for each in (needs_ssov, invoiced):
            each.invoice_contacts.set(contract.invoice_contacts.all())
        approved = invoice_create(contract=invoiced, period=period, acting_user=admin)
        invoice_set_status(invoice=approved, status=Invoice.Status.APPROVED, acting_user=admin)
    response = invite(
        admin_client, project, period, no_contacts, needs_ssov, invoiced,
        capture=django_capture_on_commit_callbacks,
    )  # fmt: skip
    page = admin_client.get(response.url).content.decode()
    assert "SC-8" in page and "no invoice contact with an email address" in page
    assert "needs an approved subcontractor SOV" in page
    assert "Subcontractor invoice #1 for this period is approved" in page
    with scopes_disabled():
        assert not Invitation.objects.exists()


def test_a_closed_period_gets_no_invitations(
    admin_client, project, contract, django_capture_on_commit_callbacks
):
    closed = BillingPeriodFactory(project=project, status=BillingPeriod.Status.CLOSED)
    # The page offers no active button, and says why; the server refuses all the same.
    page = admin_client.get(invoicing_url(project, closed)).content.decode()
    assert re.search(r'<button type="submit" formaction="[^"]+/invite/" disabled', page)
    assert "This period is closed: open it to invite contacts to bill." in page
    response = invite(
        admin_client, project, closed, contract, capture=django_capture_on_commit_callbacks
    )
    assert (
        "invitations go out for the open period" in admin_client.get(response.url).content.decode()
    )
    with scopes_disabled():
        assert not Invitation.objects.exists()


@pytest.mark.parametrize("level", [Level.READ_ONLY, Level.STANDARD])
def test_only_admins_invite(company, project, period, contract, level):
    user = grant(MembershipFactory(company=company).user, project, level)
    response = client_for(user).post(invite_url(project, period), {"commitments": [contract.pk]})
    assert response.status_code == 403
    with scopes_disabled():
        assert not Invitation.objects.exists()


def test_a_new_contact_sets_a_password_and_lands_on_its_invoice(
    project, period, contract, person, link
):
    client = Client()
    page = client.get(link).content.decode()
    assert "Do you want to bill this period?" in page and "pat@apex.test" in page
    response = client.post(
        link, {"answer": "yes", "new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    with scopes_disabled():
        invoice = Invoice.objects.get(contract=contract, period=period)
        person.refresh_from_db()
    assert response.url.endswith(f"/contracts/{contract.pk}/invoices/{invoice.pk}/")
    assert person.user.email == "pat@apex.test" and person.user.check_password(PASSWORD)
    with scopes_disabled():
        assert invoice.events.get(kind="created").actor == person.user
    assert invitation_of(contract, person).status == Invitation.Status.ACCEPTED
    # Logged in, and the invoice is theirs to fill in.
    invoice_page = client.get(response.url)
    assert invoice_page.status_code == 200
    assert "Submit for review" in invoice_page.content.decode()


def test_a_password_that_does_not_match_changes_nothing(contract, person, link):
    response = Client().post(
        link, {"answer": "yes", "new_password1": PASSWORD, "new_password2": "other-password-43"}
    )
    assert response.status_code == 422
    assert "didn’t match" in response.content.decode()
    assert not User.objects.filter(email="pat@apex.test").exists()
    assert invitation_of(contract, person).status == Invitation.Status.INVITED


def test_a_contact_with_an_account_logs_in_then_accepts(
    contact, project, period, contract, person, link
):
    person.user = contact  # the directory entry already has a login
    person.save()
    anonymous = Client()
    page = anonymous.get(link).content.decode()
    assert "Log in to answer Yes" in page
    assert anonymous.post(link, {"answer": "yes"}).url.startswith("/accounts/login/?next=")
    response = client_for(contact).post(link, {"answer": "yes"})
    with scopes_disabled():
        invoice = Invoice.objects.get(contract=contract, period=period)
    assert response.url.endswith(f"/invoices/{invoice.pk}/")
    assert client_for(contact).get(response.url).status_code == 200


def test_someone_else_logged_in_cannot_accept(member, contract, person, link):
    client = client_for(member)
    assert "this invitation is for pat@apex.test" in client.get(link).content.decode()
    client.post(link, {"answer": "yes"})
    assert invitation_of(contract, person).status == Invitation.Status.INVITED


def test_no_is_recorded_from_the_link_alone(admin_client, project, period, contract, person, link):
    client = Client()
    client.post(link, {"answer": "no"})
    assert invitation_of(contract, person).status == Invitation.Status.DECLINED
    assert "You declined to bill this period" in client.get(link).content.decode()
    # The link answered once; Yes afterwards changes nothing.
    client.post(link, {"answer": "yes", "new_password1": PASSWORD, "new_password2": PASSWORD})
    assert invitation_of(contract, person).status == Invitation.Status.DECLINED
    assert not User.objects.filter(email="pat@apex.test").exists()
    page = admin_client.get(invoicing_url(project, period)).content.decode()
    assert "status-declined" in page


def test_an_expired_link_says_so_and_asks_the_inviter_for_a_new_one(
    admin, contract, person, link, smtp_server, django_capture_on_commit_callbacks
):
    with scopes_disabled():
        Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    client = Client()
    page = client.get(link).content.decode()
    assert "This link expired" in page
    client.post(link, {"answer": "no"})
    assert invitation_of(contract, person).status == Invitation.Status.INVITED
    for _ in range(2):  # asked twice: the inviter hears once
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"{link}new-link/")
    messages = smtp_server.wait_for(2)
    assert len(messages) == 2
    assert messages[1]["To"] == admin.email
    assert "asks for a new link" in messages[1].get_content()
    assert "A new link was asked for" in client.get(link).content.decode()


def test_an_unknown_link_is_a_clear_404():
    response = Client().get("/invitations/not-a-real-token/")
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()


def test_the_invoicing_page_shows_each_invitation_state(
    company, admin_client, project, period, vendor, contract, person, link
):
    accepted_contract = ContractFactory(project=project, vendor=vendor, number="SC-11")
    not_invited = ContractFactory(project=project, vendor=vendor, number="SC-12")
    with scope(company=company):
        not_invited.invoice_contacts.set([person])
        accepted_contract.invoice_contacts.set([person])
    with scopes_disabled():
        invitation = Invitation.objects.get(contract=contract)
        Invitation.objects.create(
            contract=accepted_contract,
            period=period,
            contact=person,
            status=Invitation.Status.ACCEPTED,
            token_hash="0" * 64,
            invited_at=invitation.invited_at,
            expires_at=invitation.expires_at,
        )
    page = admin_client.get(invoicing_url(project, period)).content.decode()
    states = dict(re.findall(r'>(SC-\d+)</a>.*?class="status status-(\w+)"', page, re.S))
    assert states == {"SC-7": "invited", "SC-11": "accepted", "SC-12": "not_invited"}
    assert admin_client.get(invoicing_url(project, period), {"state": "invited"}).content.decode(
    ).count("status-invited") == 1  # fmt: skip


def test_a_commitment_whose_invitations_were_all_withdrawn_can_be_invited_again(
    company, admin_client, project, period, contract, person, link
):
    """Removing the only contact withdraws its invitation; with the contact back and no other
    invitation, the page once failed (a 500), and so did its export."""
    with scope(company=company):
        contract_services.contract_update(contract=contract, acting_user=None, invoice_contacts=[])
        contract_services.contract_update(
            contract=contract, acting_user=None, invoice_contacts=[person]
        )
    with scopes_disabled():
        assert invitation_of(contract, person).status == Invitation.Status.REVOKED
    page = admin_client.get(invoicing_url(project, period))
    assert page.status_code == 200
    row = page.content.decode().split(">SC-7</a>")[1].split("</tr>")[0]
    assert "Replaced or withdrawn" in row
    assert f'name="commitments" value="{contract.pk}"' in page.content.decode()
    assert admin_client.get(invoicing_url(project, period), {"state": "revoked"}).status_code == 200
    export = admin_client.get(invoicing_url(project, period) + "export/", {"format": "csv"})
    assert export.status_code == 200 and "Replaced or withdrawn" in export.content.decode()


def test_a_link_dies_with_the_designation_and_with_the_address(
    company, contract, person, vendor, link
):
    with scope(company=company):
        contract_services.contract_update(contract=contract, acting_user=None, invoice_contacts=[])
    assert "This link was replaced" in Client().get(link).content.decode()
    response = Client().post(
        link, {"answer": "yes", "new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert response.status_code == 302
    assert not User.objects.filter(email="pat@apex.test").exists()


def test_a_link_sent_to_an_old_address_cannot_claim_the_new_one(contract, person, link):
    """The directory entry's email changed after the invitation: whoever holds the old
    link cannot make an account for the new address."""
    person.email = "pat.new@apex.test"
    person.save()
    client = Client()
    assert "This link was replaced" in client.get(link).content.decode()
    client.post(link, {"answer": "yes", "new_password1": PASSWORD, "new_password2": PASSWORD})
    assert not User.objects.filter(email__startswith="pat").exists()
    assert invitation_of(contract, person).status == Invitation.Status.INVITED


def test_a_closed_period_accepts_no_answer(company, period, contract, person, link):
    with scope(company=company):
        billing_services.period_close(period=period)
    client = Client()
    client.post(link, {"answer": "yes", "new_password1": PASSWORD, "new_password2": PASSWORD})
    assert invitation_of(contract, person).status == Invitation.Status.INVITED
    with scopes_disabled():
        assert not Invoice.objects.filter(contract=contract).exists()
    assert not User.objects.filter(email="pat@apex.test").exists()


def test_an_existing_account_not_yet_linked_logs_in_instead_of_setting_a_password(
    contract, person, link
):
    account = UserFactory(email="pat@apex.test")
    page = Client().get(link).content.decode()
    assert "Log in to answer Yes" in page and "new_password1" not in page
    response = client_for(account).post(link, {"answer": "yes"})
    assert "/invoices/" in response.url
    person.refresh_from_db()
    assert person.user == account


def test_a_member_without_a_level_on_the_project_cannot_accept(company, contract, person, link):
    """T2-1: answering needs a level on the project; a company member is not given one by
    an invitation."""
    member = MembershipFactory(company=company, user__email="pat@apex.test").user
    client_for(member).post(link, {"answer": "yes"})
    assert invitation_of(contract, person).status == Invitation.Status.INVITED
    with scopes_disabled():
        assert not Invoice.objects.filter(contract=contract).exists()


def test_two_contacts_accepting_share_the_commitments_invoice(
    company, admin_client, project, period, vendor, contract, person, smtp_server,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    second = PersonFactory(vendor=vendor, full_name="Sam Second", email="sam@apex.test")
    with scope(company=company):
        contract.invoice_contacts.add(second)
    invite(admin_client, project, period, contract, capture=django_capture_on_commit_callbacks)
    links = [f"/invitations/{link_in(m).group(1)}/" for m in smtp_server.wait_for(2)]
    for index, link in enumerate(links):
        password = f"{PASSWORD}{index}"
        Client().post(link, {"answer": "yes", "new_password1": password, "new_password2": password})
    with scopes_disabled():
        assert Invoice.objects.filter(contract=contract, period=period).count() == 1
        assert set(Invitation.objects.values_list("status", flat=True)) == {"accepted"}


def test_a_live_link_is_answered_not_replaced(contract, person, link, smtp_server):
    client = Client()
    client.post(f"{link}new-link/")
    assert "This link still works" in client.get(link).content.decode()
    with scopes_disabled():
        assert Invitation.objects.get().new_link_requested_at is None


# The period's invoice and its due date.


def invoicing_invite(client, project, period, capture, **selected):
    with capture(execute=True):
        response = client.post(
            f"/acme/projects/{project.pk}/billing-periods/{period.pk}/invoicing/invite/",
            selected,
        )
    return [str(message) for message in get_messages(response.wsgi_request)]


def set_status(company, invoice, status):
    with scope(company=company):
        return invoice_set_status(invoice=invoice, status=status, acting_user=None)


@pytest.mark.parametrize("status", [Invoice.Status.DRAFT, Invoice.Status.REVISE_RESUBMIT])
def test_an_editable_invoice_is_invited_from_its_row_and_completed_by_the_contact(
    company, admin, admin_client, project, period, contract, person, smtp_server,
    django_capture_on_commit_callbacks, status,
):  # fmt: skip
    with scope(company=company):
        invoice = invoice_create(contract=contract, period=period, acting_user=admin)
    if status != Invoice.Status.DRAFT:
        invoice = set_status(company, invoice, status)
    # The row of a commitment with an invoice selects the invoice (name="invoices").
    messages = invoicing_invite(
        admin_client, project, period, django_capture_on_commit_callbacks, invoices=[invoice.pk]
    )
    assert messages == ["1 invoice contact invited."]
    # The row keeps the invoice's status and says its contacts were invited to complete it.
    row = f'{escape(invoice.get_status_display())}</span> <small class="muted">· invited</small>'
    assert row in admin_client.get(invoicing_url(project, period)).content.decode()
    [message] = smtp_server.wait_for(1)
    link = f"/invitations/{link_in(message).group(1)}/"
    client = Client()
    response = client.post(
        link, {"answer": "yes", "new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert response.url.endswith(f"/invoices/{invoice.pk}/")
    accepted = row.replace("invited", "accepted")
    assert accepted in admin_client.get(invoicing_url(project, period)).content.decode()
    # The state filter and the export know it too.
    filtered = admin_client.get(invoicing_url(project, period), {"state": "accepted"})
    assert accepted in filtered.content.decode()
    export = admin_client.get(invoicing_url(project, period) + "export/", {"format": "csv"})
    assert f"{invoice.get_status_display()} · accepted" in export.content.decode()
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown == [
        "Subcontractor invoice #1 of SC-7 is yours to fill in."
        if status == Invoice.Status.DRAFT
        else "Subcontractor invoice #1 of SC-7 was sent back: revise it and resubmit."
    ]
    page = client.get(response.url).content.decode()
    assert "Submit for review" in page or "Resubmit" in page
    with scopes_disabled():
        assert Invoice.objects.filter(contract=contract).count() == 1


def test_an_invoice_past_editing_is_refused_with_its_state(
    company, admin, admin_client, project, period, contract, django_capture_on_commit_callbacks
):
    with scope(company=company):
        invoice = invoice_create(contract=contract, period=period, acting_user=admin)
    set_status(company, invoice, Invoice.Status.APPROVED)
    messages = invoicing_invite(
        admin_client, project, period, django_capture_on_commit_callbacks, invoices=[invoice.pk]
    )
    assert messages == [
        "SC-7 Drywall: Subcontractor invoice #1 for this period is approved, so there is "
        "nothing left for its contacts to fill in."
    ]
    with scopes_disabled():
        assert not Invitation.objects.exists()


def test_nothing_selected_says_so(
    admin_client, project, period, django_capture_on_commit_callbacks
):
    messages = invoicing_invite(admin_client, project, period, django_capture_on_commit_callbacks)
    assert messages == ["Select the commitments to invite: none was selected."]


@pytest.mark.parametrize(
    ("status", "label"),
    [(Invoice.Status.APPROVED, "approved"), (Invoice.Status.UNDER_REVIEW, "under review")],
)
def test_an_old_invitation_to_an_invoice_past_editing_says_its_state(
    company, admin, period, contract, person, link, status, label
):
    with scope(company=company):
        invoice = invoice_create(contract=contract, period=period, acting_user=admin)
    set_status(company, invoice, status)
    client = Client()
    response = client.post(
        link, {"answer": "yes", "new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert response.url.endswith(f"/invoices/{invoice.pk}/")
    page = client.get(response.url).content.decode()
    assert (
        f"Subcontractor invoice #1 of SC-7 for {period} is already {label}: "
        "there is nothing to fill in." in page
    )
    assert "yours to fill in" not in page


def past_due(period):
    """The period ended, and its due date was yesterday."""
    today = timezone.localdate()
    period.start_date, period.end_date = today - timedelta(days=40), today - timedelta(days=10)
    period.due_date = today - timedelta(days=1)
    period.save(update_fields=["start_date", "end_date", "due_date"])


def test_after_the_due_date_a_contact_cannot_start_the_invoice_by_accepting(
    admin, period, contract, person, link
):
    admin.full_name = "Alex Admin"
    admin.save(update_fields=["full_name"])
    past_due(period)
    client = Client()
    page = client.get(link).content.decode()
    lockout = (
        f"{period} was due on {period.due_date:%b} {period.due_date.day}, "
        f"{period.due_date.year}: invoice contacts can no longer start an invoice for it. "
        "Ask Alex Admin (admin@acme.test) to start it for you."
    )
    assert lockout in page
    assert "Yes, open my invoice" not in page
    response = client.post(
        link, {"answer": "yes", "new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert lockout in client.get(response.url).content.decode()
    with scopes_disabled():
        assert not Invoice.objects.exists()
    assert invitation_of(contract, person).status == Invitation.Status.INVITED


def test_after_the_due_date_an_admin_is_told_to_create_the_invoice_instead_of_inviting(
    admin_client, project, period, contract, django_capture_on_commit_callbacks
):
    """The contacts could open the link but not start the invoice it asks for."""
    past_due(period)
    messages = invoicing_invite(
        admin_client, project, period, django_capture_on_commit_callbacks, commitments=contract.pk
    )
    assert any(
        f"{contract}: {period} was due on" in message
        and "Create it on their behalf, then invite them to complete it." in message
        for message in messages
    ), messages
    with scopes_disabled():
        assert not Invitation.objects.exists()


def test_after_the_due_date_a_contact_still_finishes_an_existing_draft(
    company, admin, period, contract, person, link
):
    with scope(company=company):
        invoice = invoice_create(contract=contract, period=period, acting_user=admin)
    past_due(period)
    response = Client().post(
        link, {"answer": "yes", "new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert response.url.endswith(f"/invoices/{invoice.pk}/")


def test_after_the_due_date_a_contact_cannot_start_one_from_the_commitment_but_admins_can(
    company, project, period, contract, person, admin_client
):
    user = MembershipFactory(company=company, user__email=person.email).user
    grant(user, project, commitments=Level.STANDARD)
    person.user = user
    person.save(update_fields=["user"])
    past_due(period)
    url = f"/acme/projects/{project.pk}/contracts/{contract.pk}/invoices/new/"
    data = {"period": period.pk, "invoice_type": Invoice.Type.PROGRESS}
    page = client_for(user).post(url, data).content.decode()
    assert "invoice contacts can no longer start an invoice for it" in page
    assert "Ask the admins of Acme Builders to start it for you." in page
    with scopes_disabled():
        assert not Invoice.objects.exists()
    response = admin_client.post(url, data)
    assert response.status_code == 302
    with scopes_disabled():
        assert Invoice.objects.filter(contract=contract, period=period).exists()
