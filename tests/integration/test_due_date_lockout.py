"""The managed due-date lockout (docs/periods.md, the due date): past the due date a
contact starts no new invoice but finishes a Draft or a Revise & Resubmit one; admins are
never refused; an admin extends the due date of one commitment, which lets its contacts
in and no one else's; a refused contact asks to reopen, and the inviter is emailed once a
day."""

import hashlib
from datetime import timedelta
from decimal import Decimal as D

import pytest
import time_machine
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from billing.models import BillingPeriod
from invoices.models import DueDateExtension, Invitation, Invoice, ReopenRequest
from invoices.services import invoice_create, invoice_set_status
from permissions.levels import Level
from tenancy.models import OutgoingEmail
from tests.factories import (
    BillingPeriodFactory,
    ContractFactory,
    MembershipFactory,
    PersonFactory,
    SOVLineFactory,
)
from tests.helpers import Client, client_for, grant
from tests.worker import celery_worker

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-and-new-password-42"


@pytest.fixture
def period(project):
    """Ended, and due yesterday."""
    today = timezone.localdate()
    return BillingPeriodFactory(
        project=project,
        status=BillingPeriod.Status.OPEN,
        start_date=today - timedelta(days=40),
        end_date=today - timedelta(days=10),
        due_date=today - timedelta(days=1),
    )


def commitment(company, project, vendor, number, email):
    contract = ContractFactory(project=project, vendor=vendor, number=number, title="Work")
    SOVLineFactory(contract=contract, scheduled_value=D("50000.00"))
    person = PersonFactory(vendor=vendor, full_name=f"Contact of {number}", email=email)
    with scope(company=company):
        contract.invoice_contacts.set([person])
    return contract


@pytest.fixture
def drywall(company, project, vendor):
    return commitment(company, project, vendor, "SC-7", "pat@apex.test")


@pytest.fixture
def paint(company, project, vendor):
    return commitment(company, project, vendor, "SC-8", "sam@apex.test")


def invited(contract, period, inviter, token):
    """The contract's contact invited before the due date, with a link of `token`."""
    now = timezone.now()
    with scopes_disabled():
        contact = contract.invoice_contacts.get()
        Invitation.objects.create(
            contract=contract,
            period=period,
            contact=contact,
            email=contact.email,
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            invited_by=inviter,
            invited_at=now - timedelta(days=5),
            expires_at=now + timedelta(days=10),
        )
    return f"/invitations/{token}/"


def say_yes(client, link):
    return client.post(
        link, {"answer": "yes", "new_password1": PASSWORD, "new_password2": PASSWORD}
    )


def extend_url(project, contract, period):
    return (
        f"/acme/projects/{project.pk}/contracts/{contract.pk}/billing-periods/{period.pk}/due-date/"
    )


def invoices_of(contract):
    with scopes_disabled():
        return list(Invoice.objects.filter(contract=contract))


@pytest.mark.parametrize("status", [Invoice.Status.DRAFT, Invoice.Status.REVISE_RESUBMIT])
def test_past_the_due_date_a_contact_finishes_a_draft_or_a_revise_and_resubmit(
    company, admin, period, drywall, status
):
    with scope(company=company):
        invoice = invoice_create(contract=drywall, period=period, acting_user=admin)
        if status != Invoice.Status.DRAFT:
            invoice_set_status(invoice=invoice, status=status, acting_user=admin)
    link = invited(drywall, period, admin, "t" * 43)
    response = say_yes(Client(), link)
    assert response.url.endswith(f"/invoices/{invoice.pk}/")
    invoice.refresh_from_db()
    assert invoice.status == status


def test_an_extension_lets_that_commitments_contact_in_and_no_one_elses(
    company, project, admin, admin_client, period, drywall, paint
):
    drywall_link = invited(drywall, period, admin, "d" * 43)
    paint_link = invited(paint, period, admin, "p" * 43)
    assert "Ask to reopen" in Client().get(drywall_link).content.decode()
    later = timezone.localdate() + timedelta(days=3)
    response = admin_client.post(extend_url(project, drywall, period), {"due_date": later})
    assert response.status_code == 302
    with scopes_disabled():
        extension = DueDateExtension.objects.get()
    assert (extension.contract, extension.due_date, extension.granted_by) == (drywall, later, admin)
    invoicing = admin_client.get(
        f"/acme/projects/{project.pk}/billing-periods/{period.pk}/invoicing/"
    ).content.decode()
    assert f"due {later:%b} {later.day} (extended)" in invoicing
    # Drywall's contact now starts the invoice; paint's is still refused.
    assert "Yes, open my invoice" in Client().get(drywall_link).content.decode()
    response = say_yes(Client(), drywall_link)
    [invoice] = invoices_of(drywall)
    assert response.url.endswith(f"/invoices/{invoice.pk}/")
    page = Client().get(paint_link).content.decode()
    assert "invoice contacts can no longer start an invoice for it" in page
    say_yes(Client(), paint_link)
    assert invoices_of(paint) == []


def test_past_the_extended_date_the_contact_is_refused_again(company, admin, period, drywall):
    with scopes_disabled():
        DueDateExtension.objects.create(
            contract=drywall, period=period, due_date=period.due_date + timedelta(days=3),
            granted_by=admin,
        )  # fmt: skip
    link = invited(drywall, period, admin, "e" * 43)
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        page = Client().get(link).content.decode()
    assert "(extended): invoice contacts can no longer start an invoice" in page


def test_an_admin_is_never_refused(company, project, period, drywall, admin_client):
    url = f"/acme/projects/{project.pk}/contracts/{drywall.pk}/invoices/new/"
    response = admin_client.post(url, {"period": period.pk, "invoice_type": "progress"})
    assert response.status_code == 302
    assert len(invoices_of(drywall)) == 1


def test_a_contact_with_an_account_is_refused_on_the_commitment_but_not_when_extended(
    company, project, admin, period, drywall
):
    with scopes_disabled():
        person = drywall.invoice_contacts.get()
    user = MembershipFactory(company=company, user__email=person.email).user
    grant(user, project, commitments=Level.STANDARD)
    person.user = user
    person.save(update_fields=["user"])
    url = f"/acme/projects/{project.pk}/contracts/{drywall.pk}/invoices/new/"
    data = {"period": period.pk, "invoice_type": "progress"}
    assert "can no longer start an invoice" in client_for(user).post(url, data).content.decode()
    assert invoices_of(drywall) == []
    with scopes_disabled():
        DueDateExtension.objects.create(
            contract=drywall, period=period, due_date=timezone.localdate(), granted_by=admin
        )
    assert client_for(user).post(url, data).status_code == 302
    assert len(invoices_of(drywall)) == 1


def test_the_new_due_date_must_come_after_the_periods(project, admin_client, period, drywall):
    typed = str(period.due_date)
    response = admin_client.post(extend_url(project, drywall, period), {"due_date": typed})
    assert response.status_code == 422
    page = response.content.decode()
    assert "The new due date must be after the period" in page
    assert f'value="{typed}"' in page
    with scopes_disabled():
        assert not DueDateExtension.objects.exists()


def test_only_admins_extend(company, project, member, period, drywall):
    grant(member, project, commitments=Level.STANDARD)
    client = client_for(member)
    assert client.get(extend_url(project, drywall, period)).status_code == 403
    later = timezone.localdate() + timedelta(days=3)
    assert client.post(extend_url(project, drywall, period), {"due_date": later}).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_ask_to_reopen_emails_the_inviter_once_a_day(company, admin, period, drywall, smtp_server):
    admin.full_name = "Alex Admin"
    admin.save(update_fields=["full_name"])
    link = invited(drywall, period, admin, "r" * 43)
    client = Client()
    with celery_worker():
        response = client.post(link + "reopen/")
        assert response.status_code == 302
        [message] = smtp_server.wait_for(1)
        again = client.post(link + "reopen/")
    assert message["To"] == "admin@acme.test"
    assert message["Subject"] == f"Contact of SC-7 asks to reopen {period} (SC-7)"
    body = message.get_content()
    assert "can no longer start the subcontractor invoice" in body
    assert f"/contracts/{drywall.pk}/billing-periods/{period.pk}/due-date/" in body
    assert "You asked today already" in client.get(again.url).content.decode()
    assert len(smtp_server.messages) == 1
    with scopes_disabled():
        assert ReopenRequest.objects.count() == 1
        assert OutgoingEmail.objects.count() == 1
    page = client.get(link).content.decode()
    assert "You asked to reopen it today" in page
    assert "Ask to reopen" not in page
    # The next day the contact may ask again.
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert "Ask to reopen" in client.get(link).content.decode()


def test_a_contact_who_may_start_cannot_ask_to_reopen(company, admin, project, drywall):
    open_period = BillingPeriodFactory(project=project, status=BillingPeriod.Status.OPEN)
    link = invited(drywall, open_period, admin, "o" * 43)
    client = Client()
    response = client.post(link + "reopen/")
    assert "The invoice can be started: answer Yes." in client.get(response.url).content.decode()
    with scopes_disabled():
        assert not ReopenRequest.objects.exists()


def test_without_an_inviter_the_company_admins_are_asked(
    company, admin, period, drywall, django_capture_on_commit_callbacks
):
    second = MembershipFactory(company=company, is_admin=True, user__email="boss@acme.test").user
    link = invited(drywall, period, None, "n" * 43)
    client = Client()
    with django_capture_on_commit_callbacks():
        response = client.post(link + "reopen/")
    assert (
        "Asked the admins of Acme Builders by email." in client.get(response.url).content.decode()
    )
    with scopes_disabled():
        queued = sorted(OutgoingEmail.objects.values_list("to", flat=True))
    assert queued == sorted([admin.email, second.email])
