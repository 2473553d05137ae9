"""Payments through the pages: recording (with allocations), voiding, the Payments Issued
tab, the gates, the payment schedule, the Payables and Receivables lists and exports."""

import csv
import io
import re
import threading
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_scopes import scope, scopes_disabled
from openpyxl import load_workbook

from billing.templatetags.money import money
from contracts.models import Contract
from invoices.models import Invoice
from invoices.services import invoice_create
from payments import gates, selectors, services
from payments.models import Payment, PaymentScheduleItem
from tests.factories import (
    ContractFactory,
    SOVLineFactory,
    UserFactory,
    VendorFactory,
)
from tests.helpers import approved_invoices, payments_url

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>'


@pytest.fixture
def commitment(company, project):
    contract = ContractFactory(
        project=project,
        number="SC-1",
        title="=HYPERLINK(1)",
        vendor=VendorFactory(company=company, name="@Apex"),
        payments_issued_enabled=True,
    )
    SOVLineFactory(contract=contract, scheduled_value=D("10000.00"))
    return contract


@pytest.fixture
def invoices(company, project, commitment):
    return approved_invoices(company, project, commitment, ["1000.00", "500.00"])


@pytest.fixture
def client_invoice(company, project):
    owner = VendorFactory(company=company, name="Riverside Health")
    contract = ContractFactory(
        project=project, kind=Contract.Kind.CLIENT, number="PC-1", client=owner, vendor=None
    )
    SOVLineFactory(contract=contract, scheduled_value=D("50000.00"))
    return approved_invoices(company, project, contract, ["3000.00"])[0]


def facts(company, invoice):
    with scope(company=company):
        return selectors.invoice_payment_facts(invoice)


def test_a_payment_covers_several_invoices_and_their_states_follow(
    company, admin_client, commitment, invoices
):
    first, second = invoices
    response = admin_client.post(
        payments_url(commitment) + "new/",
        {
            "method": "check",
            "paid_on": "2027-02-01",
            "check_number": "10442",
            "notes": HOSTILE,
            f"pay_{first.pk}": "1000.00",
            f"pay_{second.pk}": "200.00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with scope(company=company):
        payment = Payment.objects.get(contract=commitment)
        assert (payment.kind, payment.amount, payment.number) == ("issued", D("1200.00"), "1")
        assert payment.notes == HOSTILE
    assert facts(company, first)["label"] == "Paid"
    assert facts(company, second)["label"] == "Partially paid"
    page = admin_client.get(payments_url(commitment)).content.decode()
    assert HOSTILE not in page and "&lt;script&gt;" in page
    assert "1,200.00" in page and "12.00%" in page  # of a contract sum of 10,000.00
    detail = admin_client.get(first.get_absolute_url()).content.decode()
    assert 'id="payment-state"' in detail and "Paid</strong>" in detail


def test_paying_more_than_is_due_is_refused_and_keeps_what_was_typed(
    company, admin_client, commitment, invoices
):
    first, _ = invoices
    response = admin_client.post(
        payments_url(commitment) + "new/",
        {"method": "wire", "paid_on": "2027-02-01", "notes": "kept", f"pay_{first.pk}": "1000.01"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "more than the 1,000.00 still due" in page
    assert "1000.01" in page and "kept" in page
    with scope(company=company):
        assert not Payment.objects.exists()


def test_an_invoice_not_approved_cannot_be_paid(company, admin, commitment, invoices):
    first, _ = invoices
    with scope(company=company):
        Invoice.objects.filter(pk=first.pk).update(status="under_review")
        first.refresh_from_db()
        with pytest.raises(ValidationError, match="not approved"):
            services.payment_record(
                contract=commitment,
                allocations=[(first, "1")],
                acting_user=admin,
                paid_on=date(2027, 1, 1),
            )


def test_voiding_is_recorded_and_the_invoice_is_due_again(
    company, admin, admin_client, commitment, invoices
):
    first, _ = invoices
    with scope(company=company):
        payment = services.payment_record(
            contract=commitment,
            allocations=[(first, "1000")],
            acting_user=admin,
            paid_on=date(2027, 1, 1),
        )
    url = f"{payments_url(commitment)}{payment.pk}/void/"
    admin_client.post(url, {"reason": ""})
    with scope(company=company):
        payment.refresh_from_db()
        assert payment.voided_at is None
    assert admin_client.post(url, {"reason": "Check bounced"}).status_code == 302
    with scope(company=company):
        payment.refresh_from_db()
        assert payment.voided_by == admin and payment.void_reason == "Check bounced"
        assert payment.voided_at is not None
    assert facts(company, first)["label"] == "Unpaid"
    assert "Check bounced" in admin_client.get(payments_url(commitment)).content.decode()


def test_payments_issued_show_only_when_the_tab_is_on(company, project, admin_client):
    contract = ContractFactory(project=project, number="SC-7")
    invoice = approved_invoices(company, project, contract, ["10.00"])[0]
    page = admin_client.get(payments_url(contract)).content.decode()
    assert "The Payments Issued tab is off" in page
    data = {"method": "check", "paid_on": "2027-01-01", f"pay_{invoice.pk}": "10"}
    assert admin_client.post(payments_url(contract) + "new/", data).status_code == 404
    admin_client.post(payments_url(contract) + "issued-tab/", {"enabled": "on"})
    contract.refresh_from_db()
    assert contract.payments_issued_enabled
    assert admin_client.post(payments_url(contract) + "new/", data).status_code == 302


@pytest.fixture
def refusing_gate():
    calls = []

    def gate(invoice, acting_user, override_reason):
        calls.append(override_reason)
        if not override_reason:
            raise ValidationError(f"{invoice.title}: the conditional lien waiver is not signed.")

    gates.register(gate)
    yield calls
    gates.PAYMENT_GATES.remove(gate)


def test_a_gate_refuses_and_an_admin_override_is_recorded(
    company, admin_client, commitment, invoices, refusing_gate
):
    first, _ = invoices
    data = {"method": "check", "paid_on": "2027-01-01", f"pay_{first.pk}": "100"}
    response = admin_client.post(payments_url(commitment) + "new/", data)
    assert response.status_code == 422
    assert "lien waiver is not signed" in response.content.decode()
    payables = admin_client.get("/acme/payables/").content.decode()
    assert "lien waiver is not signed" in payables
    response = admin_client.post(
        payments_url(commitment) + "new/", data | {"override_reason": "Waiver on its way"}
    )
    assert response.status_code == 302
    with scope(company=company):
        assert Payment.objects.get().override_reason == "Waiver on its way"
    assert "Waiver on its way" in refusing_gate


def test_the_schedule_shows_an_overdue_item(company, admin_client, admin, client_invoice):
    contract = client_invoice.contract
    url = f"{client_invoice.get_absolute_url()}schedule/"
    past = (date.today() - timedelta(days=10)).isoformat()
    future = (date.today() + timedelta(days=20)).isoformat()
    assert (
        admin_client.post(url + "new/", {"expected_on": past, "amount": "2000"}).status_code == 302
    )
    admin_client.post(url + "new/", {"expected_on": future, "amount": "1000"})
    bad = admin_client.post(url + "new/", {"expected_on": future, "amount": "abc"})
    assert bad.status_code == 422 and "abc" in bad.content.decode()
    with scope(company=company):
        services.payment_record(
            contract=contract,
            allocations=[(client_invoice, "1500")],
            acting_user=admin,
            paid_on=date.today(),
            method="electronic",
        )
        assert PaymentScheduleItem.objects.count() == 2
    page = admin_client.get(url).content.decode()
    assert "Overdue" in page and "500.00 short" in page
    receivables = admin_client.get("/acme/receivables/?overdue=true").content.decode()
    assert "PC-1" in receivables and "Overdue" in receivables
    assert "PC-1" not in admin_client.get("/acme/receivables/?overdue=false").content.decode()
    received = admin_client.get(payments_url(contract)).content.decode()
    assert "Payments received" in received and "1,500.00" in received


def test_payables_filter_and_export_real_numbers(
    company, admin, admin_client, commitment, invoices
):
    first, second = invoices
    with scope(company=company):
        services.payment_record(
            contract=commitment,
            allocations=[(first, "1000")],
            acting_user=admin,
            paid_on=date(2027, 1, 1),
        )
    page = admin_client.get("/acme/payables/").content.decode()
    assert f"#{second.number}" in page and f">#{first.number}<" not in page
    assert f">#{first.number}<" in admin_client.get("/acme/payables/?state=paid").content.decode()
    assert "SC-1" not in admin_client.get("/acme/payables/?search=nothing").content.decode()
    rows = list(
        csv.reader(
            io.StringIO(admin_client.get("/acme/payables/export/?format=csv").content.decode())
        )
    )
    assert rows[1][1].startswith("'SC-1") or rows[1][1].startswith("SC-1")
    assert rows[1][2] == "'@Apex"
    response = admin_client.get("/acme/payables/export/?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=2, column=8).value == 500  # current payment due, a number
    assert sheet.cell(row=2, column=3).data_type == "s"


def test_payables_are_listed_only_to_admins_of_the_projects_tool(
    company, project, commitment, invoices, member_client
):
    from permissions.levels import Level
    from tenancy.models import User
    from tests.helpers import grant

    assert "SC-1" not in member_client.get("/acme/payables/").content.decode()
    grant(User.objects.get(email="member@acme.test"), project, commitments=Level.ADMIN)
    assert "SC-1" in member_client.get("/acme/payables/").content.decode()
    assert member_client.get("/acme/receivables/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_two_payments_at_once_cannot_overpay(company, project, admin, commitment, invoices):
    """The invoices are locked before what is due is read: one of two payments of 600 on
    1,000 due waits for the other, sees it, and is refused."""
    first, _ = invoices
    barrier = threading.Barrier(2)
    outcomes = []

    def pay():
        try:
            with scope(company=company):
                barrier.wait()
                services.payment_record(
                    contract=commitment,
                    allocations=[(first, "600")],
                    acting_user=admin,
                    paid_on=date(2027, 1, 1),
                )
            outcomes.append("paid")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=pay) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["paid", "refused"]
    with scopes_disabled():
        assert selectors.invoice_paid(first) == D("600.00")


def test_other_companies_and_anonymous_users_never_reach_payments(
    client, outsider, commitment, invoices
):
    from tests.helpers import client_for

    assert client_for(outsider).get(payments_url(commitment)).status_code == 404
    assert client_for(outsider).get("/acme/payables/").status_code == 404
    assert client.get("/acme/payables/").status_code == 302
    assert client_for(UserFactory()).get("/acme/receivables/").status_code == 404


def test_payment_settings_set_the_terms_and_the_default_method(
    company, project, admin_client, commitment, invoices
):
    settings_page = admin_client.get(
        f"/acme/projects/{project.pk}/settings/progress-billings/"
    ).content.decode()
    assert f"/acme/projects/{project.pk}/settings/payments/" in settings_page
    url = f"/acme/projects/{project.pk}/settings/payments/"
    bad = admin_client.post(url, {"payment_terms_days": "999", "default_method": "wire"})
    assert bad.status_code == 422 and "999" in bad.content.decode()
    ok = admin_client.post(url, {"payment_terms_days": "0", "default_method": "wire"})
    assert ok.status_code == 302
    with scope(company=company):
        settings = services.payment_settings(project)
        assert (settings.payment_terms_days, settings.default_method) == (0, "wire")
    form = admin_client.get(payments_url(commitment)).content.decode()
    assert '<option value="wire" selected>' in form
    first, _ = invoices
    expected = first.billing_date.strftime("%b %-d, %Y")
    assert expected in admin_client.get("/acme/payables/").content.decode()


def test_an_attachment_is_checked_kept_and_downloaded(company, admin_client, commitment, invoices):
    from django.core.files.uploadedfile import SimpleUploadedFile

    first, _ = invoices
    data = {"method": "check", "paid_on": "2027-01-01", f"pay_{first.pk}": "10"}
    fake = SimpleUploadedFile("stub.pdf", b"not a pdf at all", content_type="application/pdf")
    refused = admin_client.post(payments_url(commitment) + "new/", data | {"attachment": fake})
    assert refused.status_code == 422
    with scope(company=company):
        assert not Payment.objects.exists()
    png = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (4, 4)).save(png, "PNG")
    upload = SimpleUploadedFile("check.png", png.getvalue(), content_type="image/png")
    assert (
        admin_client.post(payments_url(commitment) + "new/", data | {"attachment": upload})
    ).status_code == 302
    with scope(company=company):
        payment = Payment.objects.get()
    response = admin_client.get(f"{payments_url(commitment)}{payment.pk}/attachment/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png.getvalue()


def test_a_vendor_contact_sees_the_paid_state_but_not_the_payment_records(
    company, project, admin, commitment, invoices
):
    from permissions.levels import Level
    from tests.factories import PersonFactory
    from tests.helpers import client_for, grant

    first, _ = invoices
    user = UserFactory(email="contact@apex.test")  # in the directory, not a member
    person = PersonFactory(vendor=commitment.vendor, email=user.email, user=user)
    grant(user, project, commitments=Level.READ_ONLY)
    with scope(company=company):
        commitment.invoice_contacts.set([person])
    with scope(company=company):
        services.payment_record(
            contract=commitment,
            allocations=[(first, "400")],
            acting_user=admin,
            paid_on=date(2027, 1, 1),
            notes="Internal: hold the rest",
        )
    contact = client_for(user)
    page = contact.get(first.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert "Partially paid" in body and "/payments/" not in body
    assert contact.get(payments_url(commitment)).status_code == 404


def test_an_invoice_with_payments_is_not_deleted(company, admin, commitment, invoices):
    from invoices.services import invoice_delete

    _, second = invoices
    with scope(company=company):
        services.payment_record(
            contract=commitment,
            allocations=[(second, "10")],
            acting_user=admin,
            paid_on=date(2027, 1, 1),
        )
        with pytest.raises(ValidationError, match="payments are recorded against it"):
            invoice_delete(invoice=second, acting_user=admin)
        assert Invoice.objects.filter(pk=second.pk).exists()


def test_the_conditional_waiver_gate_is_wired_and_the_unconditional_follows(
    company, project, admin, admin_client, commitment, invoices
):
    """payments.apps registers waivers' gate: refused while the required conditional
    waiver is unsigned, allowed with an Admin's reason (a WaiverOverride), and then the
    unconditional waiver is asked for the amount paid (docs/waivers.md)."""
    from tests.factories import PersonFactory
    from waivers.models import Waiver, WaiverOverride
    from waivers.services import waiver_settings_save

    first, _ = invoices
    with scope(company=company):
        waiver_settings_save(
            project=project, require_conditional=True, require_unconditional=True, acting_user=admin
        )
    data = {"method": "check", "paid_on": "2027-01-01", f"pay_{first.pk}": "250"}
    refused = admin_client.post(payments_url(commitment) + "new/", data)
    assert refused.status_code == 422
    assert "no signed conditional lien waiver" in refused.content.decode()
    assert (
        "no signed conditional lien waiver" in admin_client.get("/acme/payables/").content.decode()
    )
    with scope(company=company):
        assert not Payment.objects.exists() and not WaiverOverride.objects.exists()
    allowed = admin_client.post(
        payments_url(commitment) + "new/", data | {"override_reason": "Signed on paper"}
    )
    # No contact to send the unconditional waiver to: the payment stands, and says so.
    assert "Unconditional waiver not requested" in admin_client.get(allowed.url).content.decode()
    assert allowed.status_code == 302, re.findall(r"<p>(.*?)</p>", allowed.content.decode())[-6:]
    with scope(company=company):
        assert WaiverOverride.objects.get().reason == "Signed on paper"
        assert Payment.objects.get().amount == D("250.00")
        commitment.invoice_contacts.set([PersonFactory(vendor=commitment.vendor)])
        services.payment_record(
            contract=commitment,
            allocations=[(first, "100")],
            acting_user=admin,
            override_reason="Signed on paper",
            paid_on=date(2027, 1, 2),
        )
        unconditional = Waiver.objects.filter(invoice=first, kind="unconditional_progress")
        assert [w.amount for w in unconditional] == [D("100.00")]


def test_the_invoicing_page_shows_paid_waiver_and_compliance_states_in_each_row(
    company, project, admin, admin_client, commitment, invoices
):
    """Columns of the commitment's own row, not panels beside the list (issue 15)."""
    from compliance.models import ComplianceRule, DocumentType
    from compliance.services import compliance_settings

    first, _ = invoices
    with scope(company=company):
        services.payment_record(
            contract=commitment,
            allocations=[(first, "400")],
            acting_user=admin,
            paid_on=date(2027, 1, 1),
        )
        ComplianceRule.objects.create(
            settings=compliance_settings(project),
            document_type=DocumentType.objects.get(company=company, name="W-9"),
            gates_payment=True,
        )
    page = admin_client.get(
        f"/acme/projects/{project.pk}/billing-periods/{first.period_id}/invoicing/"
    ).content.decode()
    assert "<th>Paid state</th><th>Lien waiver</th><th>Compliance</th>" in page
    [row] = [r for r in page.split("<tr")[1:] if ">SC-1</a>" in r]
    assert "Partially paid" in row and "400.00 of 1,000.00" in row
    assert 'class="waiver-state"' in row and "W-9: missing" in row
    assert 'id="paid-states"' not in page and "compliance-panel" not in page


def test_the_invoicing_export_has_the_paid_waiver_and_compliance_columns(
    company, project, admin, admin_client, commitment, invoices
):
    """The page's three state columns, the export's last three, each cell's text as the
    page shows it (issue 15): an invoice partly paid with its conditional waiver signed,
    and a commitment with no invoice this period."""
    from compliance.models import ComplianceRule, DocumentType
    from compliance.services import compliance_settings
    from waivers.models import Waiver

    first, _ = invoices
    ContractFactory(project=project, number="SC-2", vendor=VendorFactory(company=company))
    with scope(company=company):
        services.payment_record(
            contract=commitment,
            allocations=[(first, "400")],
            acting_user=admin,
            paid_on=date(2027, 1, 1),
        )
        Waiver.objects.create(
            invoice=first,
            kind="conditional_progress",
            status="signed",
            amount=D("400.00"),
            through_date=first.period_end,
        )
        ComplianceRule.objects.create(
            settings=compliance_settings(project),
            document_type=DocumentType.objects.get(company=company, name="W-9"),
            gates_payment=True,
        )
    url = f"/acme/projects/{project.pk}/billing-periods/{first.period_id}/invoicing/export/"
    header, *rows = list(
        csv.reader(io.StringIO(admin_client.get(url + "?format=csv").content.decode()))
    )
    assert header[-3:] == ["Paid state", "Lien waiver", "Compliance"]
    by_number = {row[0]: row for row in rows}
    assert by_number["SC-1"][-3:] == [
        f"Partially paid 400.00 of {money(first.current_payment_due)}",
        "Conditional signed",
        "W-9: missing",
    ]
    assert by_number["SC-2"][-3:] == ["", "", "W-9: missing"]
    sheet = load_workbook(io.BytesIO(admin_client.get(url + "?format=xlsx").content))["Invoicing"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][-3:] == ["Paid state", "Lien waiver", "Compliance"]
    [sc1] = [row for row in values if row[0] == "SC-1"]
    assert sc1[-3:] == [
        f"Partially paid 400.00 of {money(first.current_payment_due)}",
        "Conditional signed",
        "W-9: missing",
    ]


def test_the_invoicing_page_shows_no_paid_state_before_approval_and_paid_concisely(
    company, project, admin, admin_client, commitment, invoices
):
    first, _ = invoices
    draft_contract = ContractFactory(
        project=project, number="SC-7", vendor=VendorFactory(company=company)
    )
    SOVLineFactory(contract=draft_contract, scheduled_value=D("500.00"))
    with scope(company=company):
        invoice_create(contract=draft_contract, period=first.period, acting_user=admin)
        services.payment_record(
            contract=commitment,
            allocations=[(first, "1000")],
            acting_user=admin,
            paid_on=date(2027, 1, 1),
        )
    page = admin_client.get(
        f"/acme/projects/{project.pk}/billing-periods/{first.period_id}/invoicing/"
    ).content.decode()
    [draft] = [r for r in page.split("<tr")[1:] if ">SC-7</a>" in r]
    cell = draft.split('class="paid-state')[1].split("</td>")[0]
    assert "Unpaid" not in cell and "—" in cell
    [paid] = [r for r in page.split("<tr")[1:] if ">SC-1</a>" in r]
    assert ">Paid</span> <small" in paid and "1,000.00 paid" not in paid
    assert 'class="paid-state status status-payment-paid"' in paid


def test_payables_filter_late_and_the_export_keeps_it(
    company, project, admin_client, commitment, invoices
):
    """Late: not fully paid and its Pay by date (billing date + the project's payment
    terms) before today (docs/payments.md, Payables)."""
    from django.utils import timezone

    from payments.models import PaymentSettings

    first, second = invoices
    today = timezone.localdate()
    with scope(company=company):
        PaymentSettings.objects.create(project=project, payment_terms_days=10)
        Invoice.objects.filter(pk=first.pk).update(billing_date=today - timedelta(days=11))
        Invoice.objects.filter(pk=second.pk).update(billing_date=today - timedelta(days=10))
    late = admin_client.get("/acme/payables/?late=true").content.decode()
    assert f">#{first.number}<" in late and f">#{second.number}<" not in late
    on_time = admin_client.get("/acme/payables/?late=false").content.decode()
    assert f">#{first.number}<" not in on_time and f">#{second.number}<" in on_time
    assert 'name="late"' in late
    rows = list(
        csv.reader(
            io.StringIO(
                admin_client.get("/acme/payables/export/?late=true&format=csv").content.decode()
            )
        )
    )
    assert [row[3] for row in rows[1:]] == [str(first.number)]
    every = admin_client.get("/acme/payables/?late=nonsense").content.decode()
    assert f">#{first.number}<" in every and f">#{second.number}<" in every


def test_the_filter_bars_read_plainly_and_receivables_total_what_is_expected_by_today(
    company, project, admin, admin_client, client_invoice
):
    from tests.factories import ProjectFactory

    ProjectFactory(company=company, name="Zeta Annex", number="P-0001")
    with scope(company=company):
        services.schedule_item_add(
            invoice=client_invoice,
            expected_on=date(2020, 1, 1),
            amount="1200",
            acting_user=admin,
        )
    payables = admin_client.get("/acme/payables/").content.decode()
    bar = payables.split('class="panel inline-form filters"')[1].split("</form>")[0]
    assert "Unknown" not in bar and "---------" not in bar
    assert '<option value="" selected>Any</option>' in bar
    assert ">All projects</option>" in bar and ">All vendors</option>" in bar
    assert bar.index("Zeta Annex") < bar.index("Riverside Clinic")  # by number, not name
    assert 'class="field"' in bar
    receivables = admin_client.get("/acme/receivables/?overdue=true").content.decode()
    bar = receivables.split('class="panel inline-form filters"')[1].split("</form>")[0]
    assert ">All clients</option>" in bar and '<option value="true" selected>Yes</option>' in bar
    footer = receivables.split("<tfoot>")[1].split("</tfoot>")[0]
    assert footer.count("1,200.00") == 2  # scheduled, and expected by today
