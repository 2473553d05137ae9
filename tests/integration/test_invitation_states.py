"""Invitations against the period's invoice and its due date (docs/periods.md):
a Draft or Revise & Resubmit invoice is invited to be completed, any other state is named,
and after the due date a contact starts no new invoice."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from billing.models import BillingPeriod
from invoices.models import Invitation, Invoice
from invoices.services import invoice_create, invoice_set_status
from permissions.levels import Level
from tests.conftest import client_for, grant
from tests.factories import (
    BillingPeriodFactory,
    ContractFactory,
    MembershipFactory,
    PersonFactory,
    SOVLineFactory,
)
from tests.integration.test_invitations import PASSWORD, invitation_of, invite, link_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def period(project):
    return BillingPeriodFactory(project=project, status=BillingPeriod.Status.OPEN)


@pytest.fixture
def person(vendor):
    return PersonFactory(vendor=vendor, full_name="Pat Foreman", email="pat@apex.test")


@pytest.fixture
def contract(company, project, vendor, person):
    contract = ContractFactory(project=project, vendor=vendor, number="SC-7", title="Drywall")
    SOVLineFactory(contract=contract, scheduled_value=D("50000.00"))
    with scope(company=company):
        contract.invoice_contacts.set([person])
    return contract


def invoicing_invite(client, project, period, capture, **selected):
    with capture(execute=True):
        response = client.post(
            f"/acme/projects/{project.pk}/billing-periods/{period.pk}/invoicing/invite/",
            selected,
        )
    return [str(message) for message in get_messages(response.wsgi_request)]


def set_status(company, invoice, status):
    with scope(company=company):
        return invoice_set_status(invoice=invoice, status=status)


@pytest.mark.parametrize("status", [Invoice.Status.DRAFT, Invoice.Status.REVISE_RESUBMIT])
def test_an_editable_invoice_is_invited_from_its_row_and_completed_by_the_contact(
    company, admin, admin_client, project, period, contract, person, smtp_server,
    django_capture_on_commit_callbacks, status,
):  # fmt: skip
    with scope(company=company):
        invoice = invoice_create(contract=contract, period=period, created_by=admin)
    if status != Invoice.Status.DRAFT:
        set_status(company, invoice, status)
    # The row of a commitment with an invoice selects the invoice (name="invoices").
    messages = invoicing_invite(
        admin_client, project, period, django_capture_on_commit_callbacks, invoices=[invoice.pk]
    )
    assert messages == ["1 invoice contact invited."]
    [message] = smtp_server.wait_for(1)
    link = f"/invitations/{link_in(message).group(1)}/"
    client = Client()
    response = client.post(
        link, {"answer": "yes", "new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert response.url.endswith(f"/invoices/{invoice.pk}/")
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown == [
        "Invoice #1 of SC-7 is yours to fill in."
        if status == Invoice.Status.DRAFT
        else "Invoice #1 of SC-7 was sent back: revise it and resubmit."
    ]
    page = client.get(response.url).content.decode()
    assert "Submit for review" in page or "Resubmit" in page
    with scopes_disabled():
        assert Invoice.objects.filter(contract=contract).count() == 1


def test_an_invoice_past_editing_is_refused_with_its_state(
    company, admin, admin_client, project, period, contract, django_capture_on_commit_callbacks
):
    with scope(company=company):
        invoice = invoice_create(contract=contract, period=period, created_by=admin)
    set_status(company, invoice, Invoice.Status.APPROVED)
    messages = invoicing_invite(
        admin_client, project, period, django_capture_on_commit_callbacks, invoices=[invoice.pk]
    )
    assert messages == [
        "SC-7 Drywall: invoice #1 for this period is approved, so there is nothing left for "
        "its contacts to fill in."
    ]
    with scopes_disabled():
        assert not Invitation.objects.exists()


def test_nothing_selected_says_so(
    admin_client, project, period, django_capture_on_commit_callbacks
):
    messages = invoicing_invite(admin_client, project, period, django_capture_on_commit_callbacks)
    assert messages == ["Select the commitments to invite: none was selected."]


@pytest.fixture
def link(admin_client, project, period, contract, smtp_server, django_capture_on_commit_callbacks):
    invite(admin_client, project, period, contract, capture=django_capture_on_commit_callbacks)
    [message] = smtp_server.wait_for(1)
    return f"/invitations/{link_in(message).group(1)}/"


@pytest.mark.parametrize(
    ("status", "label"),
    [(Invoice.Status.APPROVED, "approved"), (Invoice.Status.UNDER_REVIEW, "under review")],
)
def test_an_old_invitation_to_an_invoice_past_editing_says_its_state(
    company, admin, period, contract, person, link, status, label
):
    with scope(company=company):
        invoice = invoice_create(contract=contract, period=period, created_by=admin)
    set_status(company, invoice, status)
    client = Client()
    response = client.post(
        link, {"answer": "yes", "new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert response.url.endswith(f"/invoices/{invoice.pk}/")
    page = client.get(response.url).content.decode()
    assert f"Invoice #1 of SC-7 for {period} is already {label}: there is nothing to fill in." in (
        page
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


def test_after_the_due_date_a_contact_still_finishes_an_existing_draft(
    company, admin, period, contract, person, link
):
    with scope(company=company):
        invoice = invoice_create(contract=contract, period=period, created_by=admin)
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
    from permissions.services import invoice_contacts_sync

    with scope(company=company):
        invoice_contacts_sync(contract=contract)
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
