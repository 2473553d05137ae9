"""Who did what to an invoice: each service records its event with its actor, in its own
transaction; Revise & Resubmit emails the contacts whichever way it is set; the invoice
page shows the history (docs/invoices.md, "Who did what")."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils.html import escape
from django_scopes import scope, scopes_disabled

from billing.models import BillingPeriod
from invoices import selectors, sending
from invoices.invitations import invite_to_bill
from invoices.models import Invoice, InvoiceEvent, ReviewStatus
from invoices.services import (
    invoice_create,
    invoice_delete,
    invoice_lines_bulk_update,
    invoice_review,
    invoice_set_status,
    invoice_submit,
    invoices_set_status,
)
from tenancy.models import OutgoingEmail
from tests.factories import (
    BillingPeriodFactory,
    ContractFactory,
    PersonFactory,
    SOVLineFactory,
    UserFactory,
)
from tests.helpers import invoice_url, line

pytestmark = pytest.mark.django_db

Kind, Status = InvoiceEvent.Kind, Invoice.Status
MARKUP = '"><img src=x onerror=alert(1)><div hx-post="/x" hx-trigger="load">'


@pytest.fixture
def period(project):
    return BillingPeriodFactory(project=project, status=BillingPeriod.Status.OPEN)


@pytest.fixture
def person(vendor):
    return PersonFactory(vendor=vendor, full_name="Pat Foreman", email="pm@apex.test")


@pytest.fixture
def contract(company, project, vendor, person):
    contract = ContractFactory(project=project, vendor=vendor, number="SC-5", title="Electrical")
    for position, value in enumerate(["10000.00", "20000.00"], start=1):
        SOVLineFactory(
            contract=contract, position=position, number=str(position), scheduled_value=D(value)
        )
    with scope(company=company):
        contract.invoice_contacts.set([person])
    return contract


@pytest.fixture
def invoice(company, contract, period, contact):
    with scope(company=company):
        return invoice_create(contract=contract, period=period, acting_user=contact)


def events(invoice):
    with scopes_disabled():
        return [
            (event.kind, event.actor, event.from_status, event.to_status)
            for event in InvoiceEvent.objects.filter(invoice=invoice)
        ]


def revise_resubmit_emails():
    with scopes_disabled():
        return list(
            OutgoingEmail.objects.filter(subject__endswith="needs revision").values_list(
                "to", flat=True
            )
        )


def test_each_service_records_its_event_with_its_actor(company, invoice, contact, admin):
    with scope(company=company):
        invoice_lines_bulk_update(
            invoice=invoice,
            line_ids=[line(invoice, 1).pk],
            percent_complete=D("50"),
            acting_user=contact,
        )
        invoice_submit(invoice=invoice, acting_user=contact)
        invoice_review(
            invoice=invoice,
            decisions={line(invoice, 2).pk: (ReviewStatus.REJECTED, "No backup")},
            outcome=Status.APPROVED,
            acting_user=admin,
        )
        invoice_set_status(invoice=invoice, status=Status.DRAFT, acting_user=None)
    assert events(invoice) == [
        (Kind.CREATED, contact, "", Status.DRAFT),
        (Kind.LINES_UPDATED, contact, "", ""),
        (Kind.SUBMITTED, contact, Status.DRAFT, Status.UNDER_REVIEW),
        (Kind.REVIEWED, admin, Status.UNDER_REVIEW, Status.REVISE_RESUBMIT),
        (Kind.STATUS_CHANGED, None, Status.REVISE_RESUBMIT, Status.DRAFT),
    ]
    with scopes_disabled():
        details = list(InvoiceEvent.objects.values_list("detail", flat=True))
    assert details[1] == "1 line: 50% complete."
    assert details[3] == "1 line rejected."


def test_a_status_set_past_draft_is_a_submission_then_a_change(company, invoice, admin):
    with scope(company=company):
        invoice_set_status(invoice=invoice, status=Status.APPROVED, acting_user=admin)
        invoice_set_status(invoice=invoice, status=Status.APPROVED, acting_user=admin)
    assert events(invoice)[1:] == [
        (Kind.SUBMITTED, admin, Status.DRAFT, Status.UNDER_REVIEW),
        (Kind.STATUS_CHANGED, admin, Status.UNDER_REVIEW, Status.APPROVED),
    ]  # setting the status it has already changes nothing, and records nothing


def test_a_refused_action_records_nothing(company, invoice, admin):
    with scope(company=company):
        invoice_submit(invoice=invoice, acting_user=admin)
        with pytest.raises(ValidationError):
            invoice_submit(invoice=invoice, acting_user=admin)
    assert [kind for kind, *_ in events(invoice)] == [Kind.CREATED, Kind.SUBMITTED]


def test_sending_and_inviting_are_recorded(company, invoice, period, contract, admin):
    with scope(company=company):
        sending.invoice_email(
            invoice=invoice, to=["owner@riverside.test"], message="", acting_user=admin
        )
        invited, refused = invite_to_bill(contracts=[contract], period=period, acting_user=admin)
    assert (invited, refused) == (1, [])
    assert events(invoice)[1:] == [(Kind.SENT, admin, "", ""), (Kind.INVITED, admin, "", "")]
    with scopes_disabled():
        details = list(InvoiceEvent.objects.values_list("detail", flat=True))
    assert details[1:] == ["Forwarded to owner@riverside.test.", "Pat Foreman"]


def test_the_bulk_status_sets_each_invoice_and_refuses_alone(
    company, project, vendor, invoice, period, admin
):
    later_contract = ContractFactory(project=project, vendor=vendor, number="SC-6")
    SOVLineFactory(contract=later_contract)
    with scope(company=company):
        first = invoice_create(contract=later_contract, period=period, acting_user=admin)
        invoice_submit(invoice=first, acting_user=admin)
        invoice_create(
            contract=later_contract,
            period=BillingPeriodFactory(project=project),
            acting_user=admin,
        )
        changed, refused = invoices_set_status(
            invoices=[invoice, first], status=Status.REVISE_RESUBMIT, acting_user=admin
        )
    assert (changed, refused) == (
        1,
        [f"{first.title} cannot be reopened: a later invoice builds on it."],
    )
    assert events(invoice)[-1] == (Kind.STATUS_CHANGED, admin, Status.DRAFT, Status.REVISE_RESUBMIT)
    assert events(first)[-1][0] == Kind.SUBMITTED
    assert revise_resubmit_emails() == ["pm@apex.test"]


def test_deleting_takes_the_actor_and_logs_it(company, invoice, admin, caplog):
    with scope(company=company), caplog.at_level("INFO", logger="invoices.services"):
        invoice_delete(invoice=invoice, acting_user=admin)
    assert f"deleted by {admin}" in caplog.text
    with scopes_disabled():
        assert not InvoiceEvent.objects.exists()  # the history goes with its invoice


def test_revise_and_resubmit_from_the_invoice_form_emails_the_contacts(
    company, invoice, admin, admin_client, smtp_server, django_capture_on_commit_callbacks
):
    with scope(company=company):
        invoice_submit(invoice=invoice, acting_user=admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"{invoice_url(invoice)}status/", {"status": "revise_resubmit"}
        )
    assert response.status_code == 302
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "pm@apex.test"
    body = message.get_content()
    assert f"{admin} sent Subcontractor invoice #1 for SC-5 Electrical" in body
    assert invoice_url(invoice) in body
    assert events(invoice)[-1] == (
        Kind.STATUS_CHANGED,
        admin,
        Status.UNDER_REVIEW,
        Status.REVISE_RESUBMIT,
    )


def test_revise_and_resubmit_from_the_invoicing_list_emails_the_contacts(
    company, project, period, invoice, admin, admin_client, smtp_server,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    with scope(company=company):
        invoice_submit(invoice=invoice, acting_user=admin)
    url = f"/acme/projects/{project.pk}/billing-periods/{period.pk}/invoicing/status/"
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {"invoices": [invoice.pk], "status": "revise_resubmit"})
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "pm@apex.test"
    assert "back to revise and resubmit" in message.get_content()
    assert events(invoice)[-1][:2] == (Kind.STATUS_CHANGED, admin)


def test_the_history_panel_shows_who_did_what_escaped(
    company, invoice, period, contract, person, admin_client
):
    person.full_name = MARKUP
    person.save()
    actor = UserFactory(full_name=MARKUP)
    with scope(company=company):
        invite_to_bill(contracts=[contract], period=period, acting_user=actor)
        invoice_submit(invoice=invoice, acting_user=None)
    page = admin_client.get(invoice_url(invoice)).content.decode()
    history = page[page.index('aria-label="History"') :]
    assert MARKUP not in page
    assert history.count(escape(MARKUP)) == 2  # the inviter, and the contact invited
    assert "Contacts invited" in history and "System" in history
    assert 'Draft</span> → <span class="status status-under_review">Under review' in history


def test_the_history_is_one_query(company, invoice, contact, admin, django_assert_num_queries):
    with scope(company=company):
        invoice_submit(invoice=invoice, acting_user=admin)
        with django_assert_num_queries(1):
            history = selectors.invoice_history(invoice)
            assert [event.actor.email for event in history] == [contact.email, admin.email]
