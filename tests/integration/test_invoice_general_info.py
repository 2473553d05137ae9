"""The invoice's own fields under the project's fieldsets (required, optional, hidden), its
General Information area and the details form, and the Summary Preview (docs/invoices.md)."""

import csv
import io
from datetime import date
from io import BytesIO

import pytest
from django.template.loader import render_to_string
from django_scopes import scope, scopes_disabled
from openpyxl import load_workbook
from pypdf import PdfReader

from billing.models import BillingSettings
from billing.templatetags.money import money
from invoices import pdf
from invoices.backups import backup_parts
from invoices.models import Invoice, InvoiceAttachment, InvoiceEvent
from invoices.services import invoice_submit
from permissions.levels import Level
from tests.factories import MembershipFactory
from tests.helpers import HTMX, client_for, grant, invoice_url, make_invoice

pytestmark = pytest.mark.django_db

COMMENTS = "Stored switchgear is at the yard in Fresno"
BILLED_ON = date(2026, 11, 27)


@pytest.fixture
def invoice(company, project, admin):
    invoice = make_invoice(company, project, admin)
    with scopes_disabled():
        Invoice.objects.filter(pk=invoice.pk).update(
            comments=COMMENTS, billing_date=BILLED_ON, number="INV-0042"
        )
        return Invoice.objects.get(pk=invoice.pk)


def fieldsets(project, **rules):
    with scopes_disabled():
        settings, _ = BillingSettings.objects.get_or_create(project=project)
        for name, rule in rules.items():
            setattr(settings, f"field_{name}", rule)
        settings.save()
        assert {name: getattr(settings, f"field_{name}") for name in rules} == rules


def pdf_text(company, invoice):
    with scope(company=company):
        data = pdf.render_pdf(pdf.pdf_context(invoice))
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def csv_rows(client, invoice):
    answer = client.get(f"{invoice_url(invoice)}export/?format=csv")
    assert answer.status_code == 200
    return list(csv.reader(io.StringIO(answer.content.decode())))


def xlsx_details(client, invoice):
    answer = client.get(f"{invoice_url(invoice)}export/?format=xlsx")
    sheet = load_workbook(BytesIO(answer.content))["Invoice"]
    return {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}


def test_optional_fields_show_on_the_page_the_pdf_and_the_exports(company, invoice, admin_client):
    page = admin_client.get(invoice_url(invoice)).content.decode()
    assert COMMENTS in page and "Nov 27, 2026" in page and "INV-0042" in page
    text = pdf_text(company, invoice)
    assert "Stored switchgear is at the yard" in text and "Nov 27, 2026" in text
    assert "INV-0042" in text
    details = {row[0]: row[1] for row in csv_rows(admin_client, invoice) if len(row) == 2}
    assert details["Comments"] == COMMENTS
    assert details["Billing date"] == "2026-11-27"
    assert details["Subcontractor invoice number"] == "INV-0042"
    assert details["Document"] == "Subcontractor invoice"
    assert details["Application number"] == "1"
    assert xlsx_details(admin_client, invoice)["Comments"] == COMMENTS


def test_a_hidden_field_is_absent_from_the_page_the_pdf_and_the_exports(
    company, project, invoice, admin_client
):
    fieldsets(project, comments="hidden", billing_date="hidden", invoice_number="hidden")
    page = admin_client.get(invoice_url(invoice)).content.decode()
    assert COMMENTS not in page
    assert "Nov 27, 2026" not in page and "Billing date" not in page
    assert "INV-0042" not in page
    assert 'name="comments"' not in page and 'name="billing_date"' not in page
    assert "application #1" in page  # the application number names it instead
    text = pdf_text(company, invoice)
    assert "switchgear" not in text and "Nov 27, 2026" not in text and "INV-0042" not in text
    assert "Application and certificate for payment" in text
    rows = csv_rows(admin_client, invoice)
    flat = "\n".join(",".join(row) for row in rows)
    assert "switchgear" not in flat and "2026-11-27" not in flat and "INV-0042" not in flat
    assert ["Application number", "1"] in rows
    details = xlsx_details(admin_client, invoice)
    assert "Comments" not in details and "Billing date" not in details
    # Kept, not shown.
    invoice.refresh_from_db()
    assert invoice.comments == COMMENTS and invoice.billing_date == BILLED_ON


def test_hidden_attachments_have_no_panel(company, project, invoice, admin, admin_client):
    with scopes_disabled():
        InvoiceAttachment.objects.create(
            invoice=invoice,
            file="attachments/x.pdf",
            name="lien-waiver.pdf",
            content_type="application/pdf",
            size=1,
            uploaded_by=admin,
        )
    assert 'aria-label="Attachments"' in admin_client.get(invoice_url(invoice)).content.decode()
    with scope(company=company):
        assert [a.name for a in backup_parts(invoice)["attachments"]] == ["lien-waiver.pdf"]
    fieldsets(project, attachments="hidden")
    page = admin_client.get(invoice_url(invoice)).content.decode()
    assert 'aria-label="Attachments"' not in page and "lien-waiver.pdf" not in page
    with scope(company=company):  # nor compiled into the backup PDF
        assert backup_parts(invoice)["attachments"] == []


def test_a_hidden_field_posted_anyway_is_not_saved(project, invoice, admin_client):
    fieldsets(project, comments="hidden")
    answer = admin_client.post(
        f"{invoice_url(invoice)}details/",
        {
            "number": "INV-0042",
            "billing_date": "2026-11-27",
            "period_start": "2026-11-01",
            "period_end": "2026-11-30",
            "comments": "changed",
        },
    )
    assert answer.status_code == 302
    invoice.refresh_from_db()
    assert invoice.comments == COMMENTS


def test_required_fields_block_submission_with_a_message_naming_each(
    company, project, invoice, admin_client
):
    with scopes_disabled():
        Invoice.objects.filter(pk=invoice.pk).update(comments="")
    fieldsets(project, comments="required", attachments="required")
    answer = admin_client.post(f"{invoice_url(invoice)}submit/", follow=True)
    page = answer.content.decode()
    assert "Attach at least one file: this project requires attachments." in page
    assert "Enter comments: this project requires them." in page
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.DRAFT and invoice.submitted_at is None
    with scopes_disabled():
        assert not InvoiceEvent.objects.filter(invoice=invoice, kind="submitted").exists()
    # The page says what is required before anyone tries.
    assert "Required to submit on this project." in page
    # Filled in, it goes.
    admin_client.post(
        f"{invoice_url(invoice)}details/",
        {
            "number": "INV-0042",
            "billing_date": "2026-11-27",
            "period_start": "2026-11-01",
            "period_end": "2026-11-30",
            "comments": "Photos of the stored gear attached",
        },
    )
    with scopes_disabled():
        InvoiceAttachment.objects.create(
            invoice=invoice,
            file="attachments/x.pdf",
            name="photos.pdf",
            content_type="application/pdf",
            size=1,
        )
    admin_client.post(f"{invoice_url(invoice)}submit/")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.UNDER_REVIEW


def test_optional_fields_left_empty_do_not_block_submission(company, invoice, admin):
    with scopes_disabled():
        Invoice.objects.filter(pk=invoice.pk).update(comments="")
    with scope(company=company):
        submitted = invoice_submit(invoice=invoice, acting_user=admin)
    assert submitted.status == Invoice.Status.UNDER_REVIEW


def test_the_details_form_saves_with_htmx_and_records_an_event(invoice, admin, admin_client):
    answer = admin_client.post(
        f"{invoice_url(invoice)}details/",
        {
            "number": "INV-0043",
            "billing_date": "2026-11-28",
            "period_start": "2026-11-01",
            "period_end": "2026-11-30",
            "comments": "Second try",
        },
        headers=HTMX,
    )
    assert answer.status_code == 200
    html = answer.content.decode()
    assert 'id="general-info"' in html and "Second try" in html and "Saved." in html
    invoice.refresh_from_db()
    assert (invoice.number, invoice.billing_date, invoice.comments) == (
        "INV-0043",
        date(2026, 11, 28),
        "Second try",
    )
    with scopes_disabled():
        event = InvoiceEvent.objects.get(invoice=invoice, kind="details_updated")
    assert event.actor == admin
    assert event.detail == "Invoice number, billing date, comments."


def test_a_number_taken_on_the_contract_is_refused_as_typed_with_422(
    company, project, invoice, admin, admin_client
):
    with scopes_disabled():
        Invoice.objects.filter(pk=invoice.pk).update(number="1")
    other = make_invoice(company, project, admin, number="SC-6")  # another contract's #1
    post = {
        "number": "1",
        "billing_date": "2026-11-28",
        "period_start": "2026-11-01",
        "period_end": "2026-11-30",
        "comments": "typed",
    }
    assert admin_client.post(f"{invoice_url(other)}details/", post).status_code == 302
    # On the same contract: a second invoice would need a later period; the same number
    # is refused through the service's check, shown at the field, the rest as typed.
    with scopes_disabled():
        second = Invoice.objects.create(
            contract=invoice.contract,
            period=invoice.period.__class__.objects.create(
                project=project,
                position=99,
                start_date=date(2026, 12, 1),
                end_date=date(2026, 12, 31),
                due_date=date(2027, 1, 25),
            ),
            sequence=2,
            number="2",
            billing_date=date(2026, 12, 31),
            period_start=date(2026, 12, 1),
            period_end=date(2026, 12, 31),
        )
    for headers in ({}, HTMX):
        answer = admin_client.post(
            f"{invoice_url(second)}details/",
            post | {"comments": "kept as typed"},
            headers=headers,
        )
        assert answer.status_code == 422
        html = answer.content.decode()
        assert "This contract already has an invoice #1." in html
        assert "kept as typed" in html
    second.refresh_from_db()
    assert second.number == "2" and second.comments == ""


def test_bad_dates_are_refused_naming_the_field(invoice, admin_client):
    answer = admin_client.post(
        f"{invoice_url(invoice)}details/",
        {
            "number": "INV-0042",
            "billing_date": "not a date",
            "period_start": "2026-11-30",
            "period_end": "2026-11-01",
            "comments": "",
        },
        headers=HTMX,
    )
    assert answer.status_code == 422
    html = answer.content.decode()
    assert "Enter a date." in html and 'value="not a date"' in html
    answer = admin_client.post(
        f"{invoice_url(invoice)}details/",
        {
            "number": "INV-0042",
            "billing_date": "2026-11-27",
            "period_start": "2026-11-30",
            "period_end": "2026-11-01",
            "comments": "",
        },
    )
    assert answer.status_code == 422
    assert "The period ends before it starts." in answer.content.decode()
    invoice.refresh_from_db()
    assert invoice.period_start == date(2026, 11, 1) and invoice.comments == COMMENTS


def test_a_submitted_invoices_details_are_read_only(company, invoice, admin, admin_client):
    with scope(company=company):
        invoice_submit(invoice=invoice, acting_user=admin)
    page = admin_client.get(invoice_url(invoice)).content.decode()
    assert COMMENTS in page and 'name="comments"' not in page
    answer = admin_client.post(f"{invoice_url(invoice)}details/", {"comments": "late"}, follow=True)
    assert "is under review; its details are frozen." in answer.content.decode()
    invoice.refresh_from_db()
    assert invoice.comments == COMMENTS


def test_the_summary_preview_is_the_pdfs_g702_page(company, invoice, admin_client):
    page = admin_client.get(invoice_url(invoice)).content.decode()
    assert f'href="{invoice_url(invoice)}preview/"' in page and "Summary preview" in page
    answer = admin_client.get(f"{invoice_url(invoice)}preview/")
    assert answer.status_code == 200
    preview = answer.content.decode()
    with scope(company=company):
        context = pdf.pdf_context(invoice)
        g702 = render_to_string("invoices/pdf/g702.html", context)
        paper = render_to_string("invoices/pdf/pay_application.html", context)
    # One markup: the same G702 in the PDF's HTML and in the page.
    assert g702 in paper and g702 in preview
    assert "Application and certificate for payment" in preview
    for figure in (invoice.contract_sum_to_date, invoice.current_payment_due):
        assert money(figure) in preview
    assert COMMENTS in preview
    assert "css/g702-preview.css" in preview


def test_the_preview_needs_the_right_to_see_the_invoice(company, project, invoice, member):
    answer = client_for(member).get(f"{invoice_url(invoice)}preview/")
    assert answer.status_code in (403, 404)


def test_someone_who_may_not_fill_it_in_is_refused(company, project, invoice):
    """A Read Only member sees the invoice, without the form, and may not post it."""
    reader = MembershipFactory(company=company).user
    grant(reader, project, Level.READ_ONLY, Level.READ_ONLY)
    client = client_for(reader)
    page = client.get(invoice_url(invoice)).content.decode()
    assert COMMENTS in page and 'name="comments"' not in page
    assert client.post(f"{invoice_url(invoice)}details/", {"comments": "x"}).status_code == 403
    invoice.refresh_from_db()
    assert invoice.comments == COMMENTS
