"""Compliance documents (docs/compliance.md): every gate refused while a required document
is missing or expired and allowed once one is on file (or, for payment, on an Admin's
recorded override); the pages, including a contact's upload from the invoice page;
expiry reminders once per document and threshold; tenants and hostile text."""

import time
from datetime import date, datetime, timedelta
from decimal import Decimal as D
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope, scopes_disabled
from pypdf import PdfWriter

from compliance import gates, reminders, services
from compliance.models import (
    ComplianceDocument,
    ComplianceRule,
    DocumentType,
    ExpiryReminder,
    PaymentOverride,
)
from compliance.tasks import send_expiry_reminders
from invoices.models import Invoice
from invoices.services import invoice_review, invoice_set_status, invoice_submit
from permissions.levels import Level
from tenancy.models import OutgoingEmail, SweepRun
from tests.factories import (
    CompanyFactory,
    ContractFactory,
    MembershipFactory,
    PersonFactory,
    ProjectFactory,
)
from tests.helpers import client_for, grant, invoice_contact_client, invoice_url, make_invoice
from tests.worker import celery_worker

pytestmark = pytest.mark.django_db
NEW_YORK = ZoneInfo("America/New_York")
TODAY = date(2026, 12, 7)
PAYLOAD = '"><img src=x onerror=alert(1)><div hx-post="/x" hx-trigger="load">'
Status = Invoice.Status


def at(day, hour=9):
    return datetime(day.year, day.month, day.day, hour, tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def _december_7():
    with time_machine.travel(at(TODAY), tick=True):
        yield


def a_pdf(name="certificate.pdf"):
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    output = BytesIO()
    writer.write(output)
    return SimpleUploadedFile(name, output.getvalue(), "application/pdf")


@pytest.fixture
def invoice(company, project, admin):
    return make_invoice(company, project, admin)


@pytest.fixture
def types(company):
    with scope(company=company):
        return {t.name: t for t in DocumentType.objects.filter(company=company)}


def require(company, project, admin, document_type, *actions, days=30):
    with scope(company=company):
        current = {
            r.document_type: {
                a
                for a, on in (
                    ("submit", r.gates_submit),
                    ("approve", r.gates_approve),
                    ("pay", r.gates_payment),
                )
                if on
            }
            for r in ComplianceRule.objects.filter(settings__project=project)
        }
        current[document_type] = set(actions)
        services.compliance_settings_update(
            project=project, expiring_days=days, gates=current, acting_user=admin
        )


def put_on_file(company, contract, document_type, *, expires_on, admin, whole_vendor=True):
    with scope(company=company):
        return services.compliance_document_add(
            vendor=contract.vendor,
            contract=None if whole_vendor else contract,
            document_type=document_type,
            upload=a_pdf(),
            issued_on=date(2026, 1, 1),
            expires_on=expires_on,
            coverage_amount=D("1000000.00"),
            acting_user=admin,
        )


def test_a_new_company_starts_with_the_default_types():
    company = CompanyFactory()
    with scope(company=company):
        names = set(DocumentType.objects.filter(company=company).values_list("name", flat=True))
    assert names == {"Certificate of insurance", "W-9", "License", "Bond", "Safety record"}


def test_submitting_waits_for_a_missing_then_expired_document(
    company, project, admin, invoice, types
):
    insurance = types["Certificate of insurance"]
    require(company, project, admin, insurance, "submit")
    with scope(company=company), pytest.raises(ValidationError) as refused:
        invoice_submit(invoice=invoice, acting_user=admin)
    assert "Certificate of insurance: missing." in refused.value.messages
    put_on_file(company, invoice.contract, insurance, expires_on=date(2026, 12, 6), admin=admin)
    with scope(company=company), pytest.raises(ValidationError) as refused:
        invoice_submit(invoice=invoice, acting_user=admin)
    assert "Certificate of insurance: expired on Dec 6, 2026." in refused.value.messages
    with scope(company=company):
        invoice.refresh_from_db()
        assert invoice.status == Status.DRAFT
    put_on_file(company, invoice.contract, insurance, expires_on=date(2027, 6, 30), admin=admin)
    with scope(company=company):
        assert invoice_submit(invoice=invoice, acting_user=admin).status == Status.UNDER_REVIEW


def test_approving_waits_by_status_and_by_review(company, project, admin, invoice, types):
    w9 = types["W-9"]
    require(company, project, admin, w9, "approve")
    with scope(company=company):
        invoice_submit(invoice=invoice, acting_user=admin)  # submitting is not gated
        with pytest.raises(ValidationError) as refused:
            invoice_set_status(invoice=invoice, status=Status.APPROVED, acting_user=admin)
        assert "W-9: missing." in refused.value.messages
        with pytest.raises(ValidationError):
            invoice_review(
                invoice=invoice, decisions={}, outcome=Status.APPROVED, acting_user=admin
            )
        invoice.refresh_from_db()
        assert invoice.status == Status.UNDER_REVIEW
    put_on_file(company, invoice.contract, w9, expires_on=None, admin=admin)  # never expires
    with scope(company=company):
        approved, _ = invoice_review(
            invoice=invoice, decisions={}, outcome=Status.APPROVED, acting_user=admin
        )
        assert approved.status == Status.APPROVED


def test_a_commitments_own_document_counts_for_it_alone(company, project, admin, invoice, types):
    license_ = types["License"]
    require(company, project, admin, license_, "submit")
    other = make_invoice(company, project, admin, number="SC-6")
    put_on_file(
        company, invoice.contract, license_, expires_on=date(2027, 1, 1), admin=admin,
        whole_vendor=False,
    )  # fmt: skip
    with scope(company=company):
        assert gates.problems(invoice.contract, gates.Action.SUBMIT) == []
        assert gates.problems(other.contract, gates.Action.SUBMIT) == ["License: missing."]


def test_paying_waits_unless_an_admin_overrides_with_a_reason(
    company, project, admin, invoice, types
):
    bond = types["Bond"]
    require(company, project, admin, bond, "pay")
    standard = MembershipFactory(company=company).user
    grant(standard, project, commitments=Level.STANDARD)
    with scope(company=company):
        with pytest.raises(ValidationError) as refused:
            gates.payment_gate(invoice, admin, "")
        assert "Bond: missing." in refused.value.messages
        with pytest.raises(ValidationError) as refused:
            gates.payment_gate(invoice, standard, "The bond is in the mail")
        assert "Only an Admin" in refused.value.messages[0]
        assert not PaymentOverride.objects.exists()
        override = gates.payment_gate(invoice, admin, "  Owner released funds; bond follows ")
        assert override.reason == "Owner released funds; bond follows"
        assert override.missing == "Bond: missing."
        assert override.overridden_by == admin and override.invoice == invoice
    put_on_file(company, invoice.contract, bond, expires_on=date(2027, 12, 31), admin=admin)
    with scope(company=company):
        assert gates.payment_gate(invoice, standard, "") is None
        assert PaymentOverride.objects.count() == 1


def test_expiring_is_not_expired_and_counts_from_the_projects_days(
    company, project, admin, invoice, types
):
    insurance = types["Certificate of insurance"]
    require(company, project, admin, insurance, "submit", days=10)
    put_on_file(company, invoice.contract, insurance, expires_on=date(2026, 12, 17), admin=admin)
    with scope(company=company):
        [requirement] = gates.requirements(invoice.contract)
        assert requirement.status == gates.Status.EXPIRING
        assert gates.problems(invoice.contract, gates.Action.SUBMIT) == []
        [requirement] = gates.requirements(invoice.contract, today=date(2026, 12, 6))
        assert requirement.status == gates.Status.VALID
        [requirement] = gates.requirements(invoice.contract, today=date(2026, 12, 18))
        assert requirement.status == gates.Status.EXPIRED


def test_expiring_counts_from_the_companys_days_unless_the_project_sets_its_own(
    company, project, admin, admin_client, invoice, types
):
    """Company settings hold the default (30); a project's own number overrides it; the
    vendor page, which spans projects, uses the company's (docs/compliance.md)."""
    insurance = types["Certificate of insurance"]
    require(company, project, admin, insurance, "submit", days=None)
    put_on_file(company, invoice.contract, insurance, expires_on=date(2027, 1, 21), admin=admin)
    vendor_page = f"/acme/directory/{invoice.contract.vendor_id}/"
    with scope(company=company):
        [requirement] = gates.requirements(invoice.contract)  # 45 days away: valid at 30
        assert requirement.status == gates.Status.VALID
    assert "Expiring soon" not in admin_client.get(vendor_page).content.decode()
    saved = admin_client.post(
        "/acme/settings/", {"section": "compliance", "compliance_expiring_days": "60"}
    )
    assert saved.status_code == 302
    company.refresh_from_db()
    assert company.compliance_expiring_days == 60
    with scope(company=company):
        [requirement] = gates.requirements(invoice.contract)
        assert requirement.status == gates.Status.EXPIRING
    assert "Expiring soon" in admin_client.get(vendor_page).content.decode()
    require(company, project, admin, insurance, "submit", days=10)  # the project's own
    with scope(company=company):
        [requirement] = gates.requirements(invoice.contract)
        assert requirement.status == gates.Status.VALID


def test_a_document_below_the_rules_minimum_coverage_does_not_satisfy_it(
    company, project, admin, admin_client, invoice, types
):
    insurance = types["Certificate of insurance"]
    with scope(company=company):
        services.compliance_settings_update(
            project=project,
            expiring_days=None,
            gates={insurance: {"submit"}},
            minimums={insurance: D("1000000.00")},
            acting_user=admin,
        )
    low = put_on_file(
        company, invoice.contract, insurance, expires_on=date(2027, 6, 30), admin=admin
    )
    with scope(company=company):
        type(low).objects.filter(pk=low.pk).update(coverage_amount=D("500000.00"))
        [requirement] = gates.requirements(invoice.contract)
        assert requirement.status == gates.Status.BELOW_MINIMUM
    page = admin_client.get(invoice_url(invoice)).content.decode()
    assert "at least 1,000,000.00 required" in page
    assert "Certificate of insurance (coverage below the minimum)" in page
    with scope(company=company):
        with pytest.raises(ValidationError) as refused:
            invoice_submit(invoice=invoice, acting_user=admin)
        assert (
            "Certificate of insurance $500,000.00 below the required $1,000,000.00."
            in refused.value.messages
        )
    # A renewal that covers enough counts, whatever the old one says.
    put_on_file(company, invoice.contract, insurance, expires_on=date(2027, 1, 31), admin=admin)
    with scope(company=company):
        [requirement] = gates.requirements(invoice.contract)
        assert requirement.status == gates.Status.VALID
        assert requirement.document.coverage_amount == D("1000000.00")
        invoice_submit(invoice=invoice, acting_user=admin)


def test_the_minimum_coverage_is_typed_in_the_projects_rules_and_checked_at_the_field(
    company, project, admin_client, types
):
    insurance, w9 = types["Certificate of insurance"], types["W-9"]
    url = f"/acme/projects/{project.pk}/settings/compliance/"
    page = admin_client.get(url).content.decode()
    assert f'name="type_{insurance.pk}_minimum"' in page
    assert f'name="type_{w9.pk}_minimum"' not in page  # a W-9 has no coverage amount
    ticked = {f"type_{insurance.pk}_pay": "on"}
    for typed, message in (
        ("1e309", "Enter a number between"),
        ("1000000000000", "Enter a number between"),
        ("-5", "not negative"),
        ("1.001", "at most 2 decimal places"),
        ("lots", "Enter a number"),
    ):
        bad = admin_client.post(url, ticked | {f"type_{insurance.pk}_minimum": typed})
        assert bad.status_code == 422, typed
        assert message in bad.content.decode(), typed
        assert f'value="{typed}"' in bad.content.decode()
    saved = admin_client.post(url, ticked | {f"type_{insurance.pk}_minimum": "1,000,000.00"})
    assert saved.status_code == 302
    with scopes_disabled():
        assert ComplianceRule.objects.get().minimum_coverage == D("1000000.00")
    assert 'value="1000000.00"' in admin_client.get(url).content.decode()


def test_the_companys_expiring_days_are_checked_at_the_field(company, admin_client):
    page = admin_client.get("/acme/settings/").content.decode()
    assert 'name="compliance_expiring_days"' in page and 'value="30"' in page
    for typed in ("366", "-1", "x", ""):
        bad = admin_client.post(
            "/acme/settings/", {"section": "compliance", "compliance_expiring_days": typed}
        )
        assert bad.status_code == 422, typed
        assert "field-invalid" in bad.content.decode()
    assert (
        'value="366"'
        in admin_client.post(
            "/acme/settings/", {"section": "compliance", "compliance_expiring_days": "366"}
        ).content.decode()
    )
    company.refresh_from_db()
    assert company.compliance_expiring_days == 30
    # Saving the terminology leaves the days alone, and the other way round.
    admin_client.post("/acme/settings/", {"section": "compliance", "compliance_expiring_days": "7"})
    admin_client.post(
        "/acme/settings/",
        {
            "section": "terms",
            "client_invoice_term": "Owner invoice",
            "subcontractor_invoice_term": "Requisition",
        },
    )
    company.refresh_from_db()
    assert (company.compliance_expiring_days, company.client_invoice_term) == (7, "Owner invoice")


def test_a_contact_sees_what_is_missing_and_uploads_it_from_the_invoice_page(
    company, project, admin, invoice, types
):
    insurance = types["Certificate of insurance"]
    require(company, project, admin, insurance, "submit")
    contact = invoice_contact_client(company, project, invoice.contract, Level.STANDARD)
    page = contact.get(invoice_url(invoice)).content.decode()
    assert "must upload: Certificate of insurance (missing)" in page
    upload_url = invoice_url(invoice) + "compliance/"
    assert upload_url in page
    refused = contact.post(invoice_url(invoice) + "submit/", follow=True).content.decode()
    assert "Certificate of insurance: missing." in refused
    typed = {"document_type": insurance.pk, "expires_on": "2027-03-31", "issued_on": "2026-04-01"}
    bad = contact.post(upload_url, typed | {"file": SimpleUploadedFile("x.pdf", b"not a pdf")})
    assert bad.status_code == 422
    assert "Attach a PDF, a PNG or a JPEG" in bad.content.decode()
    assert 'value="2027-03-31"' in bad.content.decode()
    backwards = contact.post(upload_url, typed | {"issued_on": "2027-04-01", "file": a_pdf()})
    assert backwards.status_code == 422
    assert "on or after the issue date" in backwards.content.decode()
    with scopes_disabled():
        assert not ComplianceDocument.objects.exists()
    response = contact.post(upload_url, typed | {"file": a_pdf(), "coverage_amount": "2,000,000"})
    assert response.status_code == 302
    with scopes_disabled():
        document = ComplianceDocument.objects.get()
    assert document.contract_id == invoice.contract_id and document.expires_on == date(2027, 3, 31)
    assert document.coverage_amount == D("2000000.00")
    page = contact.get(invoice_url(invoice)).content.decode()
    assert "must upload" not in page and "Valid" in page
    contact.post(invoice_url(invoice) + "submit/")
    with scopes_disabled():
        invoice.refresh_from_db()
    assert invoice.status == Status.UNDER_REVIEW


def test_the_settings_page_saves_rules_and_refuses_bad_days_as_typed(
    company, project, admin_client, types
):
    url = f"/acme/projects/{project.pk}/settings/compliance/"
    assert (
        url
        in admin_client.get(
            f"/acme/projects/{project.pk}/settings/progress-billings/"
        ).content.decode()
    )
    w9, bond = types["W-9"], types["Bond"]
    data = {"expiring_days": "14", f"type_{w9.pk}_submit": "on", f"type_{bond.pk}_pay": "on"}
    assert admin_client.post(url, data).status_code == 302
    with scopes_disabled():
        rules = {
            (r.document_type.name, r.gates_submit, r.gates_approve, r.gates_payment)
            for r in ComplianceRule.objects.select_related("document_type")
        }
        assert rules == {("W-9", True, False, False), ("Bond", False, False, True)}
        assert ComplianceRule.objects.first().settings.expiring_days == 14
    bad = admin_client.post(url, {"expiring_days": "999", f"type_{w9.pk}_approve": "on"})
    assert bad.status_code == 422
    assert "Between 0 and 365 days." in bad.content.decode()
    assert 'value="999"' in bad.content.decode()
    with scopes_disabled():
        assert ComplianceRule.objects.filter(gates_approve=True).count() == 0


def test_a_standard_user_cannot_change_the_rules(company, project, types):
    user = MembershipFactory(company=company).user
    grant(user, project, commitments=Level.STANDARD, client_contracts=Level.STANDARD)
    url = f"/acme/projects/{project.pk}/settings/compliance/"
    assert client_for(user).post(url, {"expiring_days": "5"}).status_code == 403


def test_the_vendor_page_lists_documents_valid_expiring_and_expired(
    company, project, admin, admin_client, invoice, types
):
    contract = invoice.contract
    put_on_file(company, contract, types["W-9"], expires_on=None, admin=admin)
    put_on_file(company, contract, types["License"], expires_on=date(2026, 12, 20), admin=admin)
    put_on_file(company, contract, types["Bond"], expires_on=date(2026, 11, 1), admin=admin)
    page = admin_client.get(f"/acme/directory/{contract.vendor_id}/").content.decode()
    for label in ("Valid", "Expiring soon", "Expired", "1,000,000.00"):
        assert label in page
    url = f"/acme/directory/{contract.vendor_id}/compliance/new/"
    response = admin_client.post(
        url,
        {"document_type": types["Safety record"].pk, "file": a_pdf("safety.pdf")},
    )
    assert response.status_code == 302
    with scopes_disabled():
        document = ComplianceDocument.objects.get(name="safety.pdf")
    assert document.contract is None and document.coverage_amount is None
    download = admin_client.get(f"/acme/compliance/documents/{document.pk}/")
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    admin_client.post(f"/acme/compliance/documents/{document.pk}/delete/")
    with scopes_disabled():
        assert not ComplianceDocument.objects.filter(pk=document.pk).exists()


def test_the_invoicing_page_shows_each_commitments_compliance(
    company, project, admin, admin_client, invoice, types
):
    require(company, project, admin, types["W-9"], "approve")
    page = admin_client.get(
        f"/acme/projects/{project.pk}/billing-periods/{invoice.period_id}/invoicing/"
    ).content.decode()
    assert "W-9: missing" in page


def test_an_external_contact_downloads_its_own_compliance_documents_from_the_invoice(
    company, project, admin, invoice, types, other_company
):
    """The vendor's company-wide documents and the commitment's own, from the invoice
    page; another commitment's, another vendor's or another tenant's answer 404."""
    from tests.factories import UserFactory, VendorFactory

    contract = invoice.contract
    insurance, w9 = types["Certificate of insurance"], types["W-9"]
    require(company, project, admin, insurance, "pay")
    require(company, project, admin, w9, "pay")
    vendor_wide = put_on_file(company, contract, w9, expires_on=None, admin=admin)
    own = put_on_file(
        company, contract, insurance, expires_on=date(2027, 6, 30), admin=admin, whole_vendor=False
    )
    sibling = ContractFactory(project=project, vendor=contract.vendor)
    theirs_too = put_on_file(
        company, sibling, insurance, expires_on=date(2027, 6, 30), admin=admin, whole_vendor=False
    )
    stranger = ContractFactory(project=project, vendor=VendorFactory(company=company))
    not_theirs = put_on_file(company, stranger, w9, expires_on=None, admin=admin)
    their_project = ProjectFactory(company=other_company)
    their_contract = ContractFactory(
        project=their_project, vendor=VendorFactory(company=other_company)
    )
    with scopes_disabled():
        their_type = DocumentType.objects.get(company=other_company, name="W-9")
    other_tenants = put_on_file(
        other_company, their_contract, their_type, expires_on=None, admin=None
    )

    user = UserFactory(email="contact@vendor.test")  # in the directory, not a member
    person = PersonFactory(vendor=contract.vendor, email=user.email, user=user)
    grant(user, project, commitments=Level.READ_ONLY)
    with scope(company=company):
        contract.invoice_contacts.set([person])
    contact = client_for(user)
    page = contact.get(invoice_url(invoice)).content.decode()
    base = invoice_url(invoice) + "compliance/"
    for document in (vendor_wide, own):
        assert f'href="{base}{document.pk}/"' in page
        response = contact.get(f"{base}{document.pk}/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
    for document in (theirs_too, not_theirs, other_tenants):
        assert contact.get(f"{base}{document.pk}/").status_code == 404
    # Not through the company's own download, which is the members'.
    assert contact.get(f"/acme/compliance/documents/{own.pk}/").status_code == 404
    assert contact.post(f"{base}{own.pk}/").status_code == 405
    assert client_for(UserFactory()).get(f"{base}{own.pk}/").status_code == 404


def test_document_types_are_the_companys_own(company, admin_client, other_company, outsider):
    response = admin_client.post("/acme/compliance/types/", {"name": "Prevailing wage"})
    assert response.status_code == 302
    duplicate = admin_client.post("/acme/compliance/types/", {"name": "w-9"})
    assert duplicate.status_code == 422 and "exists already" in duplicate.content.decode()
    with scopes_disabled():
        theirs = DocumentType.objects.filter(company=other_company).first()
    assert admin_client.get(f"/acme/compliance/types/{theirs.pk}/").status_code == 404
    assert client_for(outsider).get("/acme/compliance/types/").status_code == 404


def test_another_tenants_document_types_are_refused_in_the_rules(
    company, project, admin, other_company
):
    with scopes_disabled():
        theirs = DocumentType.objects.filter(company=other_company).first()
    with scope(company=company), pytest.raises(ValidationError):
        services.compliance_settings_update(
            project=project, expiring_days=30, gates={theirs: {"submit"}}, acting_user=admin
        )


def test_hostile_names_come_out_escaped(company, project, admin, admin_client, invoice, types):
    with scope(company=company):
        hostile = services.document_type_save(
            company=company, name=PAYLOAD[:100], has_coverage=True, acting_user=admin
        )
    require(company, project, admin, hostile, "submit")
    with scope(company=company):
        services.compliance_document_add(
            vendor=invoice.contract.vendor,
            document_type=hostile,
            upload=a_pdf(PAYLOAD[:60] + ".pdf"),
            expires_on=date(2026, 12, 1),
            acting_user=admin,
        )
    for url in (
        invoice_url(invoice),
        f"/acme/directory/{invoice.contract.vendor_id}/",
        f"/acme/projects/{project.pk}/settings/compliance/",
        "/acme/compliance/types/",
        invoice_url(invoice) + "compliance/",
    ):
        html = admin_client.get(url).content.decode()
        assert "<img src=x" not in html, url
        assert "&lt;img src=x" in html, url


def test_a_late_first_run_sends_the_most_pressing_reminder_alone(
    company, project, admin, invoice, types, smtp_server
):
    PersonFactory(vendor=invoice.contract.vendor, email="office@vendor.test")
    put_on_file(
        company, invoice.contract, types["Bond"], expires_on=date(2026, 12, 12), admin=admin
    )
    assert reminders.reminders_send(TODAY) == 1  # 5 days left: the 7-day one, not the 30
    assert reminders.reminders_send(TODAY) == 0
    assert reminders.reminders_send(date(2026, 12, 11)) == 0
    assert reminders.reminders_send(date(2026, 12, 12)) == 1  # on the day
    assert reminders.reminders_send(date(2026, 12, 13)) == 0
    with scopes_disabled():
        assert sorted(ExpiryReminder.objects.values_list("threshold", flat=True)) == [0, 7, 30]


def test_a_newer_document_stops_the_reminders_of_the_old(company, project, admin, invoice, types):
    PersonFactory(vendor=invoice.contract.vendor, email="office@vendor.test")
    put_on_file(
        company, invoice.contract, types["Bond"], expires_on=date(2026, 12, 20), admin=admin
    )
    put_on_file(
        company, invoice.contract, types["Bond"], expires_on=date(2027, 12, 20), admin=admin
    )
    assert reminders.reminders_send(TODAY) == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_reminders_go_once_per_threshold_through_a_real_worker(
    company, project, admin, types, smtp_server
):
    """Jan 1 – Feb 3, the job twice a day on a real worker: a certificate expiring Jan 31
    reminds its vendor's two people 30 days before, 7 days before and on the day."""
    invoice = make_invoice(company, project, admin)
    vendor = invoice.contract.vendor
    PersonFactory(vendor=vendor, email="pm@vendor.test")
    PersonFactory(vendor=vendor, email="office@vendor.test")
    PersonFactory(vendor=vendor, email="")  # no address: nobody to send to
    insurance = types["Certificate of insurance"]
    put_on_file(company, invoice.contract, insurance, expires_on=date(2027, 1, 31), admin=admin)
    day = date(2026, 12, 28)
    with celery_worker():
        while day <= date(2027, 2, 3):
            for hour in (8, 17):
                with time_machine.travel(at(day, hour), tick=True):
                    run_on_worker()
            day += timedelta(days=1)
        all_sent(6)
        messages = smtp_server.wait_for(6)
    time.sleep(1)
    assert len(smtp_server.messages) == 6, "nothing arrives twice"
    subjects = sorted((m["To"], m["Subject"]) for m in messages)
    expected = [
        "Expires in 30 days: Certificate of insurance of " + vendor.name,
        "Expires in 7 days: Certificate of insurance of " + vendor.name,
        "Expires today: Certificate of insurance of " + vendor.name,
    ]
    assert subjects == sorted(
        [(to, s) for to in ("office@vendor.test", "pm@vendor.test") for s in expected]
    )
    body = messages[0].get_body(("plain",)).get_content()
    assert "January 31, 2027" in body
    with scopes_disabled():
        sent_on = sorted(
            (r.threshold, r.sent_at.astimezone(NEW_YORK).date())
            for r in ExpiryReminder.objects.all()
        )
    assert sent_on == [(0, date(2027, 1, 31)), (7, date(2027, 1, 24)), (30, date(2027, 1, 1))]


def run_on_worker():
    SweepRun.objects.filter(name="send_expiry_reminders").delete()
    send_expiry_reminders.delay()
    deadline = time.monotonic() + 30
    while not SweepRun.objects.filter(name="send_expiry_reminders").exists():
        assert time.monotonic() < deadline, "the reminder job did not run"
        time.sleep(0.05)


def all_sent(count):
    deadline = time.monotonic() + 30
    with scopes_disabled():
        while OutgoingEmail.objects.exclude(status=OutgoingEmail.Status.SENT).exists():
            assert time.monotonic() < deadline, list(OutgoingEmail.objects.values("to", "status"))
            time.sleep(0.05)
        assert OutgoingEmail.objects.count() == count


def test_a_commitments_document_downloads_only_for_who_sees_the_commitment(
    company, project, admin, member_client, reader_client, invoice, types
):
    document = put_on_file(
        company, invoice.contract, types["License"], expires_on=None, admin=admin,
        whole_vendor=False,
    )  # fmt: skip
    url = f"/acme/compliance/documents/{document.pk}/"
    assert member_client.get(url).status_code == 404  # no level on the project
    assert reader_client.get(url).status_code == 200


def test_an_admins_approval_on_the_page_is_refused_with_the_list(
    company, project, admin, admin_client, invoice, types
):
    require(company, project, admin, types["W-9"], "approve")
    require(company, project, admin, types["Bond"], "approve")
    put_on_file(company, invoice.contract, types["Bond"], expires_on=date(2026, 10, 1), admin=admin)
    with scope(company=company):
        invoice_submit(invoice=invoice, acting_user=admin)
    page = admin_client.post(
        invoice_url(invoice) + "status/", {"status": Status.APPROVED}, follow=True
    ).content.decode()
    assert "W-9: missing." in page and "Bond: expired on Oct 1, 2026." in page
    with scopes_disabled():
        invoice.refresh_from_db()
    assert invoice.status == Status.UNDER_REVIEW


def test_the_reminder_job_works_in_each_documents_own_company(
    company, project, admin, invoice, types, other_company
):
    """The job spans companies: each email is its document's company's."""
    PersonFactory(vendor=invoice.contract.vendor, email="office@vendor.test")
    put_on_file(
        company, invoice.contract, types["Bond"], expires_on=date(2026, 12, 10), admin=admin
    )
    their_project = ProjectFactory(company=other_company)
    their = ContractFactory(project=their_project)
    PersonFactory(vendor=their.vendor, email="office@theirs.test")
    with scopes_disabled():
        their_type = DocumentType.objects.get(company=other_company, name="Bond")
    put_on_file(other_company, their, their_type, expires_on=date(2026, 12, 10), admin=None)
    assert reminders.reminders_send(TODAY) == 2
    with scopes_disabled():
        sent = {(e.to, e.company_id) for e in OutgoingEmail.objects.all()}
    assert sent == {("office@vendor.test", company.pk), ("office@theirs.test", other_company.pk)}


def test_a_reader_who_is_no_contact_cannot_upload_and_an_outsider_gets_404(
    company, project, admin, invoice, outsider, reader_client
):
    url = invoice_url(invoice) + "compliance/"
    assert reader_client.post(url, {"file": a_pdf()}).status_code == 403
    assert client_for(outsider).get(url).status_code == 404
    with scopes_disabled():
        assert not ComplianceDocument.objects.exists()
