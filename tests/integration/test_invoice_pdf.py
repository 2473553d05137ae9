"""The invoice PDF: made by a worker, offered when ready, the invoice page's figures to the
cent, rendered once per state of the invoice, failures shown and retried."""

from datetime import timedelta
from decimal import Decimal as D
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from PIL import Image

from billing.models import BillingSettings
from billing.templatetags.money import money
from contracts import services as contract_services
from contracts.models import Contract
from invoices import documents, pdf, tasks
from invoices.models import InvoiceDocument, InvoiceLine
from invoices.services import invoice_create, invoice_line_update
from permissions.levels import Level
from tests.factories import (
    BillingPeriodFactory,
    ContractFactory,
    MembershipFactory,
)
from tests.helpers import (
    HTMX,
    client_for,
    downloaded,
    grant,
    invoice_url,
    make_invoice,
    the_document,
    wait_for,
)
from tests.worker import celery_worker

pytestmark = pytest.mark.django_db
G702 = [
    "original_contract_sum",
    "net_change_by_change_orders",
    "contract_sum_to_date",
    "total_completed_and_stored",
    "retainage_work",
    "retainage_materials",
    "total_retainage",
    "total_earned_less_retainage",
    "previous_certificates",
    "current_payment_due",
    "balance_to_finish_including_retainage",
]


@pytest.fixture
def invoice(company, project, admin):
    return make_invoice(company, project, admin)


def ask_for_pdf(client, invoice, capture):
    with capture(execute=True):
        return client.post(f"{invoice_url(invoice)}pdf/", headers=HTMX)


def test_the_pdf_carries_the_invoice_pages_figures_to_the_cent(
    invoice, admin_client, django_capture_on_commit_callbacks
):
    answer = ask_for_pdf(admin_client, invoice, django_capture_on_commit_callbacks)
    assert answer.status_code == 200
    document = the_document(invoice)
    assert document.status == InvoiceDocument.Status.READY
    # The status answer asked again until now; the next one offers the file.
    status = admin_client.get(f"{invoice_url(invoice)}documents/{document.pk}/", headers=HTMX)
    assert "Download PDF" in status.content.decode()

    reader = downloaded(admin_client, document)
    first, *sheets = [page.extract_text() for page in reader.pages]
    page = admin_client.get(invoice_url(invoice)).content.decode()
    for field in G702:
        figure = money(getattr(invoice, field))
        assert figure in first, field
        assert figure in page, field
    assert "Application and certificate for payment" in first
    assert "Notary public" in first and "Amount certified" in first
    assert f"Page 1 of {len(reader.pages)}" in first
    # Portrait application, landscape continuation sheets.
    portrait, landscape = reader.pages[0].mediabox, reader.pages[1].mediabox
    assert portrait.width < portrait.height and landscape.width > landscape.height
    sheet = "\n".join(sheets)
    with scopes_disabled():
        lines = list(InvoiceLine.objects.filter(invoice=invoice))
    for line in lines:
        assert money(line.completed_to_date) in sheet
        assert money(line.balance_to_finish) in sheet
    assert "Change order CO-1" in sheet and "Added outlets" in sheet
    assert "Grand totals" in sheet
    assert money(invoice.total_completed_and_stored) in sheet


def test_asking_twice_renders_once_and_a_change_renders_again(
    company, invoice, admin_client, django_capture_on_commit_callbacks
):
    ask_for_pdf(admin_client, invoice, django_capture_on_commit_callbacks)
    ask_for_pdf(admin_client, invoice, django_capture_on_commit_callbacks)
    with scopes_disabled():
        assert InvoiceDocument.objects.filter(invoice=invoice).count() == 1
        line = InvoiceLine.objects.get(invoice=invoice, position=2)
    with scope(company=company):
        invoice_line_update(line=line, version=line.version, work_this_period=D("10"))
    ask_for_pdf(admin_client, invoice, django_capture_on_commit_callbacks)
    with scopes_disabled():
        documents = list(InvoiceDocument.objects.filter(invoice=invoice))
    assert len(documents) == 2
    assert documents[0].fingerprint != documents[1].fingerprint


def test_a_failed_render_is_shown_and_can_be_retried(
    invoice, admin_client, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(context):
        raise RuntimeError("the font server is down")

    rendering = pdf.render_pdf
    monkeypatch.setattr(pdf, "render_pdf", broken)
    answer = ask_for_pdf(admin_client, invoice, django_capture_on_commit_callbacks)
    document = the_document(invoice)
    assert document.status == InvoiceDocument.Status.FAILED
    assert document.attempts == 1  # inline, nothing retries later: the person does
    assert not document.file
    assert "PDF queued" in answer.content.decode()  # answered before the render ran
    status = admin_client.get(f"{invoice_url(invoice)}documents/{document.pk}/", headers=HTMX)
    assert "the font server is down" in status.content.decode()
    assert "hx-trigger" not in status.content.decode()  # polling stops
    page = admin_client.get(invoice_url(invoice)).content.decode()
    assert "The PDF could not be made" in page and "Retry" in page

    monkeypatch.setattr(pdf, "render_pdf", rendering)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"{invoice_url(invoice)}documents/{document.pk}/retry/", headers=HTMX)
    document.refresh_from_db()
    assert document.status == InvoiceDocument.Status.READY
    assert "could not be made" not in admin_client.get(invoice_url(invoice)).content.decode()


def test_the_projects_pdf_settings_choose_what_it_shows(
    company, project, invoice, admin_client, django_capture_on_commit_callbacks
):
    with scope(company=company):
        line = invoice.lines.get(position=1)
        line.review_status, line.review_reason = "rejected", "No backup for the outlets"
        line.claimed_work_this_period = D("3000.00")
        line.save()
    BillingSettings.objects.create(
        project=project,
        pdf_application=False,
        pdf_claimed=True,
        pdf_rejections=True,
        pdf_footer="Acme Builders · Pay applications are due on the 25th",
    )
    ask_for_pdf(admin_client, invoice, django_capture_on_commit_callbacks)
    reader = downloaded(admin_client, the_document(invoice))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Application and certificate" not in text
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height
    assert "claimed 3,000.00" in text
    assert "Rejected: No backup for the outlets" in text
    assert "Pay applications are due on the 25th" in text


def test_a_client_invoice_is_addressed_to_the_owner(
    company, project, admin, admin_client, django_capture_on_commit_callbacks
):
    invoice = make_invoice(company, project, admin, kind=Contract.Kind.CLIENT)
    ask_for_pdf(admin_client, invoice, django_capture_on_commit_callbacks)
    first = downloaded(admin_client, the_document(invoice)).pages[0].extract_text()
    assert invoice.contract.client.name in first
    assert money(invoice.current_payment_due) in first


def test_a_thousand_line_invoice_repeats_its_sheet_header_on_every_page(
    company, project, admin, admin_client, django_capture_on_commit_callbacks
):
    invoice = make_invoice(company, project, admin, lines=1000)
    ask_for_pdf(admin_client, invoice, django_capture_on_commit_callbacks)
    reader = downloaded(admin_client, the_document(invoice))
    sheets = [page.extract_text() for page in reader.pages[1:]]
    assert len(sheets) > 20
    for number, text in enumerate(sheets, start=2):
        assert "Continuation sheet" in text and "Scheduled" in text, number
        assert f"Page {number} of {len(reader.pages)}" in text
    assert "Work item 1000" in sheets[-1] and "Grand totals" in sheets[-1]
    assert money(invoice.contract_sum_to_date) in sheets[-1]


@pytest.mark.parametrize("level", [Level.READ_ONLY, Level.STANDARD])
def test_only_those_who_export_make_pdfs(company, project, invoice, level):
    user = grant(MembershipFactory(company=company).user, project, level)
    assert client_for(user).post(f"{invoice_url(invoice)}pdf/").status_code == 403
    with scopes_disabled():
        assert not InvoiceDocument.objects.exists()


def test_without_htmx_the_status_page_offers_to_check_again(invoice, admin_client):
    """Not a timed refresh, which WCAG 2.2.1 refuses (docs/accessibility.md)."""
    response = admin_client.post(f"{invoice_url(invoice)}pdf/")
    document = the_document(invoice)
    assert response.url.endswith(f"/documents/{document.pk}/")
    page = admin_client.get(response.url).content.decode()
    assert 'http-equiv="refresh"' not in page and "PDF queued" in page
    assert '<noscript><p><a href="">Check again</a></p></noscript>' in page


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_real_worker_makes_the_pdf(company, project, admin, admin_client):
    invoice = make_invoice(company, project, admin)
    with celery_worker():
        admin_client.post(f"{invoice_url(invoice)}pdf/", headers=HTMX)
        wait_for(invoice, InvoiceDocument.Status.READY)
    assert downloaded(admin_client, the_document(invoice)).pages


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_worker_retries_a_failing_render_then_records_the_failure(
    company, project, admin, admin_client, monkeypatch
):
    attempts = []

    def broken(context):
        attempts.append(1)
        raise RuntimeError("the font server is down")

    monkeypatch.setattr(pdf, "render_pdf", broken)
    monkeypatch.setattr(tasks, "RETRY_DELAY", 0)
    invoice = make_invoice(company, project, admin)
    with celery_worker():
        admin_client.post(f"{invoice_url(invoice)}pdf/", headers=HTMX)
        document = wait_for(invoice, InvoiceDocument.Status.FAILED)
    assert document.attempts == len(attempts) == 3  # the first try and two retries
    assert "the font server is down" in document.error


def test_admins_set_the_pdf_options_with_a_checked_logo(company, project, admin_client, member):
    url = f"/acme/projects/{project.pk}/settings/pdf/"
    png = BytesIO()
    Image.new("RGB", (40, 20), "navy").save(png, "PNG")
    png = png.getvalue()
    fields = {"pdf_application": "on", "pdf_continuation": "on", "pdf_footer": "Thanks"}
    gif = BytesIO()
    Image.new("RGB", (40, 20), "navy").save(gif, "GIF")
    refused = admin_client.post(  # a GIF that says it is a PNG
        url, fields | {"pdf_logo": SimpleUploadedFile("logo.png", gif.getvalue(), "image/png")}
    )
    assert refused.status_code == 422
    with scopes_disabled():
        assert not BillingSettings.objects.filter(project=project, pdf_footer="Thanks").exists()
    saved = admin_client.post(
        url, fields | {"pdf_logo": SimpleUploadedFile("logo.png", png, "image/png")}
    )
    assert saved.status_code == 302
    with scopes_disabled():
        settings = BillingSettings.objects.get(project=project)
    assert settings.pdf_footer == "Thanks" and settings.pdf_logo.name.endswith(".png")
    assert (settings.pdf_notary, settings.pdf_signatures) == (False, False)
    none_of_them = admin_client.post(url, {"pdf_footer": "x"})
    assert "Include the application" in none_of_them.content.decode()
    standard = grant(member, project, Level.STANDARD, Level.STANDARD)
    assert client_for(standard).get(url).status_code == 403


def test_a_unit_based_invoice_shows_its_quantities(
    company, project, admin, admin_client, django_capture_on_commit_callbacks
):
    contract = ContractFactory(
        project=project, number="SC-8", accounting_method=Contract.AccountingMethod.UNIT
    )
    with scope(company=company):
        contract_services.sov_line_add(
            contract=contract,
            description="Slab on grade",
            quantity=D("1250"),
            unit="CY",
            unit_price=D("162.25"),
        )
        invoice = invoice_create(
            contract=contract, period=BillingPeriodFactory(project=project), acting_user=admin
        )
        line = invoice.lines.get()
        invoice_line_update(line=line, version=1, quantity_this_period=D("400"))
        invoice.refresh_from_db()
    ask_for_pdf(admin_client, invoice, django_capture_on_commit_callbacks)
    sheet = downloaded(admin_client, the_document(invoice)).pages[1].extract_text()
    assert "400 of 1,250 CY at 162.25" in sheet
    assert money(D("400") * D("162.25")) in sheet  # 64,900.00


def test_a_document_whose_task_was_lost_is_queued_again_when_asked_for(
    invoice, admin_client, django_capture_on_commit_callbacks
):
    with scopes_disabled():
        stuck = InvoiceDocument.objects.create(
            invoice=invoice, kind="pdf", fingerprint=pdf.fingerprint(pdf.pdf_context(invoice))
        )
        InvoiceDocument.objects.filter(pk=stuck.pk).update(
            queued_at=timezone.now() - timedelta(minutes=11)
        )
    ask_for_pdf(admin_client, invoice, django_capture_on_commit_callbacks)
    stuck.refresh_from_db()
    assert stuck.status == InvoiceDocument.Status.READY
    with scopes_disabled():
        assert InvoiceDocument.objects.count() == 1


def test_a_worker_whose_claim_was_taken_over_writes_nothing(company, invoice):
    with scopes_disabled():
        document = InvoiceDocument.objects.create(invoice=invoice, kind="pdf", fingerprint="x")
    claim = documents.document_claim(document.pk, attempt="attempt-1")
    # Redelivered under the same id (its broker connection was lost): taken over.
    assert documents.document_claim(document.pk, attempt="attempt-1") != claim
    with scope(company=company):
        documents.document_render(document, claim)
        documents.document_failed(document, claim, RuntimeError("late"), final=True)
    document.refresh_from_db()
    assert (document.status, document.attempts) == (InvoiceDocument.Status.RENDERING, 2)
    assert not document.file and document.error == ""


def test_the_fingerprint_moves_with_every_g702_figure(company, invoice):
    with scope(company=company):
        before = pdf.fingerprint(pdf.pdf_context(invoice))
        invoice.previous_certificates += 1
        after = pdf.fingerprint(pdf.pdf_context(invoice))
    assert before != after


def test_a_contract_number_with_a_slash_still_makes_a_file(
    company, project, admin, admin_client, django_capture_on_commit_callbacks
):
    invoice = make_invoice(company, project, admin, number="SC/../5")
    ask_for_pdf(admin_client, invoice, django_capture_on_commit_callbacks)
    document = the_document(invoice)
    assert document.status == InvoiceDocument.Status.READY
    assert "/" not in document.download_name and document.file.name.endswith(".pdf")


def test_pdf_settings_need_admin_on_both_tools(company, project):
    url = f"/acme/projects/{project.pk}/settings/pdf/"
    commitments_only = grant(MembershipFactory(company=company).user, project, Level.ADMIN)
    assert client_for(commitments_only).get(url).status_code == 403
