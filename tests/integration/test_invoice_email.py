"""Emailing a client invoice and forwarding a subcontractor invoice, with the PDF attached;
every send recorded on the invoice; the emails wait for the PDF and go once."""

from io import BytesIO

import pytest
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from billing.templatetags.money import money
from contracts.models import Contract
from invoices import documents, pdf
from invoices.models import InvoiceDocument, InvoiceEmail
from permissions.levels import Level
from tenancy.models import OutgoingEmail
from tests.factories import MembershipFactory
from tests.helpers import client_for, grant, invoice_url, make_invoice, wait_for
from tests.worker import celery_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_invoice(company, project, admin):
    return make_invoice(company, project, admin, kind=Contract.Kind.CLIENT)


def send(client, invoice, capture, **data):
    with capture(execute=True):
        return client.post(f"{invoice_url(invoice)}email/", data)


def attachment_of(message):
    [part] = list(message.iter_attachments())
    return part.get_filename(), part.get_content_type(), part.get_content()


def test_a_client_invoice_goes_to_each_address_with_its_pdf_and_is_recorded(
    client_invoice, admin_client, smtp_server, django_capture_on_commit_callbacks
):
    response = send(
        admin_client, client_invoice, django_capture_on_commit_callbacks,
        to="owner@riverside.test, Lender@Bank.test", message="Our November application.",
    )  # fmt: skip
    assert response.status_code == 302
    messages = sorted(smtp_server.wait_for(2), key=lambda m: m["To"])
    assert [m["To"] for m in messages] == ["lender@bank.test", "owner@riverside.test"]
    for message in messages:
        body = message.get_body(("plain",)).get_content()
        assert "Our November application." in body
        assert money(client_invoice.current_payment_due) in body
        name, kind, content = attachment_of(message)
        assert (name, kind) == ("SC-5-application-1.pdf", "application/pdf")
        first = PdfReader(BytesIO(content)).pages[0].extract_text()
        assert money(client_invoice.current_payment_due) in first
    with scopes_disabled():
        sends = list(InvoiceEmail.objects.select_related("email"))
    assert {s.kind for s in sends} == {InvoiceEmail.Kind.CLIENT_INVOICE}
    assert {s.email.status for s in sends} == {OutgoingEmail.Status.SENT}
    page = admin_client.get(invoice_url(client_invoice)).content.decode()
    assert "Sent by email" in page and "owner@riverside.test" in page and "status-sent" in page


def test_a_subcontractor_invoice_is_forwarded(
    company, project, admin, admin_client, smtp_server, django_capture_on_commit_callbacks
):
    invoice = make_invoice(company, project, admin)
    assert ">Forward</a>" in admin_client.get(invoice_url(invoice)).content.decode()
    send(admin_client, invoice, django_capture_on_commit_callbacks, to="pm@apex.test")
    [message] = smtp_server.wait_for(1)
    assert attachment_of(message)[1] == "application/pdf"
    with scopes_disabled():
        assert InvoiceEmail.objects.get().kind == InvoiceEmail.Kind.FORWARD


def test_bad_addresses_are_refused_and_nothing_is_queued(
    client_invoice, admin_client, django_capture_on_commit_callbacks
):
    response = send(
        admin_client, client_invoice, django_capture_on_commit_callbacks,
        to="owner@riverside.test, not-an-address", message="Kept as typed",
    )  # fmt: skip
    assert response.status_code == 422
    page = response.content.decode()
    assert "Not an email address: not-an-address." in page and "Kept as typed" in page
    with scopes_disabled():
        assert not OutgoingEmail.objects.exists()


def test_when_the_pdf_cannot_be_made_the_emails_fail_with_it(
    client_invoice, admin_client, monkeypatch, smtp_server, django_capture_on_commit_callbacks
):
    def broken(context):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(pdf, "render_pdf", broken)
    send(admin_client, client_invoice, django_capture_on_commit_callbacks, to="o@r.test")
    with scopes_disabled():
        email = OutgoingEmail.objects.get()
    assert email.status == OutgoingEmail.Status.FAILED
    assert "The PDF could not be made" in email.error and "no fonts" in email.error
    assert smtp_server.messages == []
    assert (
        "The PDF could not be made"
        in admin_client.get(invoice_url(client_invoice)).content.decode()
    )


def test_who_may_send(company, project, admin, client_invoice):
    """T1-14: a client invoice is emailed by Admins of Client Contracts; T2-12: Standard
    users forward subcontractor invoices."""
    standard = grant(
        MembershipFactory(company=company).user, project, Level.STANDARD, Level.STANDARD
    )
    reader = grant(MembershipFactory(company=company).user, project, Level.READ_ONLY)
    commitment_invoice = make_invoice(company, project, admin, number="SC-6")
    url = f"{invoice_url(client_invoice)}email/"
    assert client_for(standard).get(url).status_code == 403
    assert client_for(standard).get(f"{invoice_url(commitment_invoice)}email/").status_code == 200
    assert client_for(reader).get(f"{invoice_url(commitment_invoice)}email/").status_code == 403


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_with_a_worker_the_email_waits_for_the_pdf_and_goes_once(
    company, project, admin, admin_client, smtp_server
):
    invoice = make_invoice(company, project, admin, kind=Contract.Kind.CLIENT)
    with celery_worker():
        admin_client.post(f"{invoice_url(invoice)}email/", {"to": "owner@riverside.test"})
        wait_for(invoice, "ready")
        [message] = smtp_server.wait_for(1)
    assert attachment_of(message)[0] == "SC-5-application-1.pdf"
    with scopes_disabled():
        email = OutgoingEmail.objects.get()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.SENT, 1)


def test_the_same_form_sent_twice_sends_once(
    client_invoice, admin_client, smtp_server, django_capture_on_commit_callbacks
):
    for _ in range(2):
        send(
            admin_client, client_invoice, django_capture_on_commit_callbacks,
            to="owner@riverside.test", message="Once, please.",
        )  # fmt: skip
    smtp_server.wait_for(1)
    with scopes_disabled():
        assert OutgoingEmail.objects.count() == 1


def test_emails_added_while_the_pdf_is_being_made_go_when_it_is_ready(
    company, client_invoice, admin_client, smtp_server, django_capture_on_commit_callbacks
):
    with scopes_disabled():
        document = InvoiceDocument.objects.create(
            invoice=client_invoice,
            kind="pdf",
            fingerprint=pdf.fingerprint(pdf.pdf_context(client_invoice)),
        )
    claim = documents.document_claim(document.pk, attempt="attempt-1")  # a worker is on it
    send(admin_client, client_invoice, django_capture_on_commit_callbacks, to="o@r.test")
    with scopes_disabled():
        assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.WAITING
    with scope(company=company), django_capture_on_commit_callbacks(execute=True):
        documents.document_render(document, claim)
    [message] = smtp_server.wait_for(1)
    assert attachment_of(message)[1] == "application/pdf"


def test_a_long_title_makes_a_subject_that_fits(
    company, project, admin, admin_client, smtp_server, django_capture_on_commit_callbacks
):
    invoice = make_invoice(company, project, admin, kind=Contract.Kind.CLIENT, number="PC-9")
    with scopes_disabled():
        Contract.objects.filter(pk=invoice.contract_id).update(title="T" * 200)
    response = send(admin_client, invoice, django_capture_on_commit_callbacks, to="o@r.test")
    assert response.status_code == 302
    [message] = smtp_server.wait_for(1)
    assert len(message["Subject"]) <= 300


def test_a_retried_pdf_takes_the_emails_that_failed_with_it(
    client_invoice, admin_client, monkeypatch, smtp_server, django_capture_on_commit_callbacks
):
    rendering = pdf.render_pdf
    monkeypatch.setattr(pdf, "render_pdf", lambda context: 1 / 0)
    send(admin_client, client_invoice, django_capture_on_commit_callbacks, to="o@r.test")
    monkeypatch.setattr(pdf, "render_pdf", rendering)
    with scopes_disabled():
        document = InvoiceDocument.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"{invoice_url(client_invoice)}documents/{document.pk}/retry/")
    [message] = smtp_server.wait_for(1)
    assert attachment_of(message)[1] == "application/pdf"
    with scopes_disabled():
        assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.SENT
