"""Lien waivers (docs/waivers.md): made from the invoice's figures, signed through the
emailed link, checked on download, and the payment gate."""

import hashlib
import re
from datetime import timedelta
from io import BytesIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from invoices.models import Invoice
from invoices.services import invoice_set_status, invoice_submit
from permissions.levels import Level
from tenancy.models import OutgoingEmail, Vendor
from tests.factories import MembershipFactory, PersonFactory
from tests.helpers import HTMX, Client, client_for, grant, invoice_url, make_invoice
from tests.worker import celery_worker
from waivers import gates, services, templating
from waivers.models import Kind, SubtierWaiver, Waiver, WaiverOverride, WaiverTemplate

pytestmark = pytest.mark.django_db


def _setup(company, project, admin, *, require=False, vendor_name="Apex Electrical"):
    invoice = make_invoice(company, project, admin)
    with scope(company=company):
        contract = invoice.contract
        Vendor.objects.filter(pk=contract.vendor_id).update(name=vendor_name)
        contract.vendor.refresh_from_db()
        contract.invoice_contacts.set(
            [PersonFactory(vendor=contract.vendor, full_name="Pat Signer", email="pat@apex.test")]
        )
        services.waiver_settings_save(
            project=project,
            require_conditional=require,
            require_unconditional=False,
            acting_user=admin,
        )
    return invoice


def _submitted(company, invoice, admin):
    with scope(company=company):
        return invoice_submit(invoice=invoice, acting_user=admin)


def _pdf_text(data):
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def _made_waiver(company, invoice, admin, capture):
    with capture(execute=True), scope(company=company):
        waiver = services.waiver_request_conditional(invoice=invoice, acting_user=admin)
    with scopes_disabled():
        waiver.refresh_from_db()
    return waiver


def test_the_waiver_pdf_carries_the_invoices_figures_exactly(
    company, project, admin, django_capture_on_commit_callbacks
):
    invoice = _setup(company, project, admin)
    invoice = _submitted(company, invoice, admin)
    waiver = _made_waiver(company, invoice, admin, django_capture_on_commit_callbacks)
    assert waiver.status == Waiver.Status.SENT
    assert waiver.kind == Kind.CONDITIONAL_PROGRESS
    assert waiver.amount == invoice.current_payment_due
    assert waiver.amount > 0
    with waiver.file.open("rb") as file:
        data = file.read()
    assert hashlib.sha256(data).hexdigest() == waiver.pdf_sha256
    text = " ".join(_pdf_text(data).split())
    assert f"${invoice.current_payment_due:,.2f}" in text
    assert "November 30, 2026" in text  # the period's end
    assert "Apex Electrical" in text
    assert "Acme Builders" in text
    assert "Riverside Clinic (P-100)" in text
    assert "SC-5" in text
    assert invoice.number in text
    assert "CONDITIONAL WAIVER AND RELEASE ON PROGRESS PAYMENT" in text


def _tamper(waiver):
    storage, name = waiver.file.storage, waiver.file.name
    storage.delete(name)
    assert storage.save(name, ContentFile(b"%PDF-1.4 forged")) == name


def test_a_tampered_stored_file_is_refused_on_download_and_for_signing(
    company, project, admin, admin_client, django_capture_on_commit_callbacks
):
    invoice = _submitted(company, _setup(company, project, admin), admin)
    waiver = _made_waiver(company, invoice, admin, django_capture_on_commit_callbacks)
    url = f"{invoice_url(invoice)}waivers/{waiver.pk}/download/"
    good = admin_client.get(url)
    assert good.status_code == 200
    assert hashlib.sha256(good.content).hexdigest() == waiver.pdf_sha256
    _tamper(waiver)
    refused = admin_client.get(url)
    assert refused.status_code == 409
    assert b"altered" in refused.content
    with scope(company=company), pytest.raises(ValidationError, match="altered"):
        services.waiver_file(waiver)


@pytest.mark.django_db(transaction=True)
def test_signing_through_the_emailed_link_records_name_time_ip_and_hash(
    company, project, admin, smtp_server
):
    invoice = _setup(company, project, admin, require=True)
    with celery_worker():
        # Submitting asks for the conditional waiver (the project requires one): the PDF
        # worker makes it and the outbox emails the contact its link.
        _submitted(company, invoice, admin)
        [message] = smtp_server.wait_for(1)
    assert message["To"] == "pat@apex.test"
    assert message["Subject"] == f"Lien waiver to sign: SC-5 {invoice.title}"
    body = message.get_content()
    link = re.search(r"http\S+/waivers/sign/(\S+)/", body)
    assert link is not None, body
    path = "/waivers/sign/" + link.group(1) + "/"
    with scopes_disabled():
        waiver = Waiver.objects.get(invoice=invoice)
        assert waiver.token_hash == hashlib.sha256(link.group(1).encode()).hexdigest()
        assert link.group(1) not in waiver.token_hash
    client = Client()
    page = client.get(path)
    assert page.status_code == 200
    assert f"${waiver.amount:,.2f}" in page.content.decode()
    # Bad input: named, nothing signed, what was typed kept.
    refused = client.post(path, {"name": "Pat Signer"}, REMOTE_ADDR="203.0.113.7")
    assert refused.status_code == 422
    assert "Tick the box" in refused.content.decode()
    assert 'value="Pat Signer"' in refused.content.decode()
    signed = client.post(
        path, {"name": "  Pat   Signer ", "consent": "on"}, REMOTE_ADDR="203.0.113.7"
    )
    assert signed.status_code == 302
    with scopes_disabled():
        waiver.refresh_from_db()
        with waiver.file.open("rb") as file:
            stored = hashlib.sha256(file.read()).hexdigest()
    assert waiver.status == Waiver.Status.SIGNED
    assert waiver.signed_name == "Pat Signer"
    assert waiver.signed_consent is True
    assert waiver.signed_at is not None
    assert waiver.signed_ip == "203.0.113.7"
    assert waiver.pdf_sha256 == stored
    assert "Signed by Pat Signer" in client.get(path).content.decode()
    # The link signs once.
    again = client.post(path, {"name": "Someone Else", "consent": "on"})
    assert again.status_code == 422
    with scopes_disabled():
        assert Waiver.objects.get(pk=waiver.pk).signed_name == "Pat Signer"


def test_an_unknown_link_is_a_404(client):
    assert client.get("/waivers/sign/nope/").status_code == 404


def test_the_gate_refuses_allows_and_records_an_override(
    company, project, admin, member, django_capture_on_commit_callbacks
):
    invoice = _submitted(company, _setup(company, project, admin, require=True), admin)
    grant(member, project, commitments=Level.STANDARD)
    with scope(company=company):
        with pytest.raises(ValidationError, match="no signed conditional lien waiver"):
            gates.conditional_waiver_gate(invoice, admin, "")
        # Only an Admin on Commitments may override.
        with pytest.raises(ValidationError, match="Only an Admin"):
            gates.conditional_waiver_gate(invoice, member, "Paid by phone")
        assert not WaiverOverride.objects.exists()
        override = gates.conditional_waiver_gate(invoice, admin, "  Check cut before the\nwaiver ")
        assert override.reason == "Check cut before the waiver"
        assert override.overridden_by == admin
        assert WaiverOverride.objects.filter(invoice=invoice).count() == 1
    page = client_for(admin).get(invoice_url(invoice) + "waivers/").content.decode()
    assert "overridden by" in page and "Check cut before the waiver" in page
    # Signed, it passes with no override.
    waiver = _made_waiver(company, invoice, admin, django_capture_on_commit_callbacks)
    with scope(company=company):
        Waiver.objects.filter(pk=waiver.pk).update(status=Waiver.Status.SIGNED)
        assert gates.conditional_waiver_gate(invoice, member, "") is None
        # Not required, it passes.
        Waiver.objects.filter(pk=waiver.pk).update(status=Waiver.Status.SENT)
        services.waiver_settings_save(
            project=project,
            require_conditional=False,
            require_unconditional=False,
            acting_user=admin,
        )
        assert gates.conditional_waiver_gate(invoice, member, "") is None
        assert WaiverOverride.objects.count() == 1


def test_unconditional_waiver_for_the_amount_paid(
    company, project, admin, django_capture_on_commit_callbacks
):
    invoice = _submitted(company, _setup(company, project, admin), admin)
    with scope(company=company):
        invoice_set_status(invoice=invoice, status=Invoice.Status.APPROVED, acting_user=admin)
        # Not required by the project: nothing.
        assert (
            services.waiver_request_unconditional(
                invoice=invoice, amount="100", payment_ref=1, acting_user=admin
            )
            is None
        )
        services.waiver_settings_save(
            project=project,
            require_conditional=False,
            require_unconditional=True,
            acting_user=admin,
        )
    with django_capture_on_commit_callbacks(execute=True), scope(company=company):
        waiver = services.waiver_request_unconditional(
            invoice=invoice, amount="1234.5", payment_ref=1, acting_user=admin
        )
    with scopes_disabled():
        waiver.refresh_from_db()
        with waiver.file.open("rb") as file:
            text = " ".join(_pdf_text(file.read()).split())
    assert waiver.kind == Kind.UNCONDITIONAL_PROGRESS
    assert waiver.status == Waiver.Status.SENT
    assert "$1,234.50" in text
    assert "UNCONDITIONAL WAIVER AND RELEASE ON PROGRESS PAYMENT" in text


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_hostile_text_in_the_template_and_names_is_escaped(
    company, project, admin, admin_client, django_capture_on_commit_callbacks
):
    invoice = _setup(company, project, admin, vendor_name=f"Apex {HOSTILE}")
    body = f"{HOSTILE}\nPaid to {{{{ claimant }}}}: {{{{ amount }}}}"
    answer = admin_client.post(
        "/acme/settings/waivers/",
        {kind.value: (body if kind == Kind.CONDITIONAL_PROGRESS else "x") for kind in Kind},
    )
    assert answer.status_code == 302
    with scope(company=company):
        assert WaiverTemplate.objects.get(kind=Kind.CONDITIONAL_PROGRESS).body == body
    values = dict.fromkeys(templating.PLACEHOLDERS, "") | {"claimant": f"Apex {HOSTILE}"}
    html = templating.render_body(body, values)
    assert "<script>" not in html and "<img" not in html
    assert html.count("&lt;script&gt;") == 2  # the company's words and the name alike
    invoice = _submitted(company, invoice, admin)
    waiver = _made_waiver(company, invoice, admin, django_capture_on_commit_callbacks)
    with waiver.file.open("rb") as file:
        text = _pdf_text(file.read())
    assert '<script>alert("x")</script>' in text  # shown as typed, not run
    with scope(company=company):
        Waiver.objects.filter(pk=waiver.pk).update(
            status=Waiver.Status.SIGNED, signed_name=HOSTILE, signed_ip="127.0.0.1"
        )
    page = admin_client.get(invoice_url(invoice) + "waivers/").content.decode()
    assert HOSTILE not in page
    assert "&lt;script&gt;" in page


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{ secret_key }}", "Unknown placeholder"),
        ("{{ claimant.__class__ }}", "Unknown placeholder"),
        ("{{ claimant|safe }}", "Unknown placeholder"),
        ('{% include "base.html" %}', "is not allowed"),
        ("{% load static %}", "is not allowed"),
        ("{% debug %}", "is not allowed"),
        ("{% if claimant %}unclosed", "does not read"),
    ],
)
def test_a_template_that_does_not_validate_is_refused_naming_its_kind(
    company, admin_client, text, message
):
    posted = {kind.value: "fine {{ amount }}" for kind in Kind} | {Kind.UNCONDITIONAL_FINAL: text}
    answer = admin_client.post("/acme/settings/waivers/", posted)
    assert answer.status_code == 422
    page = answer.content.decode()
    assert message in page
    with scope(company=company):
        assert not WaiverTemplate.objects.exists()


def test_only_company_admins_edit_templates(member_client):
    assert member_client.get("/acme/settings/waivers/").status_code == 403


def test_sub_tier_waivers_are_uploaded_and_checked(
    company, project, admin, admin_client, pdf_bytes
):
    invoice = _submitted(company, _setup(company, project, admin), admin)
    url = f"{invoice_url(invoice)}waivers/subtier/"
    refused = admin_client.post(
        url,
        {
            "kind": Kind.CONDITIONAL_PROGRESS,
            "party": "Spark Supply",
            "file": SimpleUploadedFile("w.exe", b"MZ not a pdf"),
        },
    )
    assert refused.status_code == 422
    assert "Attach a PDF, a PNG or a JPEG" in refused.content.decode()
    assert 'value="Spark Supply"' in refused.content.decode()
    added = admin_client.post(
        url,
        {
            "kind": Kind.CONDITIONAL_PROGRESS,
            "party": "Spark Supply",
            "file": SimpleUploadedFile("spark.pdf", pdf_bytes),
        },
    )
    assert added.status_code == 302
    with scope(company=company):
        subtier = SubtierWaiver.objects.get(invoice=invoice)
    assert subtier.content_type == "application/pdf"
    download = admin_client.get(f"{url}{subtier.pk}/")
    assert b"".join(download.streaming_content) == pdf_bytes
    assert "Spark Supply" in admin_client.get(invoice_url(invoice) + "waivers/").content.decode()


def test_the_pages_show_waiver_state(
    company, project, admin, admin_client, django_capture_on_commit_callbacks
):
    invoice = _submitted(company, _setup(company, project, admin), admin)
    _made_waiver(company, invoice, admin, django_capture_on_commit_callbacks)
    invoice_page = admin_client.get(invoice_url(invoice)).content.decode()
    assert f'hx-get="{invoice_url(invoice)}waivers/"' in invoice_page  # loaded after the page
    panel = admin_client.get(invoice_url(invoice) + "waivers/", headers=HTMX).content.decode()
    assert "Sent for signature" in panel and "<html" not in panel
    page = admin_client.get(invoice_url(invoice) + "waivers/").content.decode()
    assert "Sent for signature" in page and "<html" in page
    invoicing = admin_client.get(
        f"/acme/projects/{project.pk}/billing-periods/{invoice.period_id}/invoicing/"
    ).content.decode()
    assert "Conditional sent" in invoicing
    settings_page = admin_client.get(f"/acme/projects/{project.pk}/settings/progress-billings/")
    assert f"/acme/projects/{project.pk}/settings/waivers/" in settings_page.content.decode()
    saved = admin_client.post(
        f"/acme/projects/{project.pk}/settings/waivers/", {"require_conditional": "on"}
    )
    assert saved.status_code == 302
    with scope(company=company):
        assert services.waiver_settings(project).require_conditional is True
        assert services.waiver_settings(project).require_unconditional is False


def test_a_member_below_admin_cannot_request_a_waiver(company, project, admin, member):
    invoice = _submitted(company, _setup(company, project, admin), admin)
    grant(member, project, commitments=Level.STANDARD)
    answer = client_for(member).post(f"{invoice_url(invoice)}waivers/request/")
    assert answer.status_code == 403
    with scope(company=company):
        assert not Waiver.objects.exists()


@pytest.fixture
def pdf_bytes():
    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (20, 20), "white").save(out, "PDF")
    return out.getvalue()


def test_another_company_admin_gets_404(company, project, admin, outsider):
    invoice = _submitted(company, _setup(company, project, admin), admin)
    MembershipFactory(company=company)  # noise
    client = client_for(outsider)
    assert client.get(f"{invoice_url(invoice)}waivers/subtier/").status_code == 404


def _link_of(waiver):
    with scopes_disabled():
        email = OutgoingEmail.objects.filter(to=waiver.email).latest("pk")
    return re.search(r"http\S+(/waivers/sign/\S+/)", email.body).group(1)


@pytest.mark.parametrize(
    "proxies, expected", [(0, "10.0.0.1"), (1, "203.0.113.7")], ids=["direct", "proxied"]
)
def test_signing_records_the_client_ip_behind_the_trusted_proxy(
    company, project, admin, client, django_capture_on_commit_callbacks, settings, proxies, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    invoice = _submitted(company, _setup(company, project, admin), admin)
    waiver = _made_waiver(company, invoice, admin, django_capture_on_commit_callbacks)
    signed = client.post(
        _link_of(waiver),
        {"name": "Pat Signer", "consent": "on"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7",
    )
    assert signed.status_code == 302
    with scopes_disabled():
        waiver.refresh_from_db()
    assert waiver.signed_ip == expected


def test_the_link_offers_the_pdf_and_expires(
    company, project, admin, client, django_capture_on_commit_callbacks
):
    invoice = _submitted(company, _setup(company, project, admin), admin)
    waiver = _made_waiver(company, invoice, admin, django_capture_on_commit_callbacks)
    path = _link_of(waiver)
    pdf = client.get(path + "pdf/")
    assert pdf.status_code == 200
    assert hashlib.sha256(pdf.content).hexdigest() == waiver.pdf_sha256
    later = timezone.now() + timedelta(days=services.LINK_DAYS, minutes=1)
    with time_machine.travel(later):
        page = client.get(path).content.decode()
        assert "This link has expired" in page
        refused = client.post(path, {"name": "Pat Signer", "consent": "on"})
    assert refused.status_code == 422
    with scopes_disabled():
        assert Waiver.objects.get(pk=waiver.pk).status == Waiver.Status.SENT


def test_a_new_payment_due_needs_a_new_signed_waiver(
    company, project, admin, django_capture_on_commit_callbacks
):
    """Signed for one amount, the gate holds a payment due of another."""
    invoice = _submitted(company, _setup(company, project, admin, require=True), admin)
    waiver = _made_waiver(company, invoice, admin, django_capture_on_commit_callbacks)
    with scope(company=company):
        Waiver.objects.filter(pk=waiver.pk).update(status=Waiver.Status.SIGNED)
        assert gates.conditional_waiver_gate(invoice, admin, "") is None
        Waiver.objects.filter(pk=waiver.pk).update(amount=waiver.amount + 1)
        with pytest.raises(ValidationError):
            gates.conditional_waiver_gate(invoice, admin, "")


def _lost_waiver(company, invoice, admin, capture):
    """A waiver requested whose PDF job never reached the broker (its on-commit callback
    is captured, not run)."""
    with capture(execute=False), scope(company=company):
        waiver = services.waiver_request_conditional(invoice=invoice, acting_user=admin)
    return waiver


def test_the_sweep_queues_a_lost_waiver_pdf_again_once_and_the_job_tolerates_twice(
    company, project, admin, django_capture_on_commit_callbacks
):
    from waivers.tasks import render_waiver, sweep_waivers

    invoice = _submitted(company, _setup(company, project, admin), admin)
    waiver = _lost_waiver(company, invoice, admin, django_capture_on_commit_callbacks)
    assert sweep_waivers.delay().get() == 0  # not yet: its job may still be on its way
    later = timezone.now() + timedelta(minutes=11)
    with time_machine.travel(later):
        # The beat task, run inline (task_always_eager): it queues the render, which runs.
        assert sweep_waivers.delay().get() == 1
        assert sweep_waivers.delay().get() == 0  # made: nothing left to queue
    with scopes_disabled():
        waiver.refresh_from_db()
        assert (waiver.status, waiver.requeues) == (Waiver.Status.SENT, 1)
        made = (waiver.file.name, waiver.pdf_sha256)
        render_waiver.delay(waiver.pk)  # delivered twice: the second finds it made
        waiver.refresh_from_db()
        assert (waiver.file.name, waiver.pdf_sha256) == made
        assert OutgoingEmail.objects.filter(to="pat@apex.test").count() == 1


def test_a_waiver_lost_again_is_queued_once_a_sweep_then_fails(
    company, project, admin, django_capture_on_commit_callbacks, monkeypatch, settings
):
    settings.WAIVER_PDF_REQUEUE_MINUTES = 10
    settings.WAIVER_PDF_MAX_REQUEUES = 2
    invoice = _submitted(company, _setup(company, project, admin), admin)
    waiver = _lost_waiver(company, invoice, admin, django_capture_on_commit_callbacks)
    queued = []
    monkeypatch.setattr(services, "queue_now", lambda task, *args: queued.append(args))
    start = timezone.now()
    assert services.waivers_sweep(now=start + timedelta(minutes=11)) == 1
    assert services.waivers_sweep(now=start + timedelta(minutes=12)) == 0  # waits again
    assert services.waivers_sweep(now=start + timedelta(minutes=22)) == 1
    assert queued == [(waiver.pk,), (waiver.pk,)]
    assert services.waivers_sweep(now=start + timedelta(minutes=33)) == 0
    with scopes_disabled():
        waiver.refresh_from_db()
    assert waiver.status == Waiver.Status.FAILED and "not made" in waiver.error
