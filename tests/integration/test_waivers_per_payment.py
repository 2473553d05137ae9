"""Unconditional waivers are per payment (docs/waivers.md, issue 15): a second payment
never voids the first payment's waiver; the invoicing page counts them; the invoice page
stops offering the conditional waiver once it is signed or the invoice is paid."""

import re
from datetime import date
from decimal import Decimal as D

import pytest
from django_scopes import scope, scopes_disabled

from payments import services as payment_services
from tenancy.models import OutgoingEmail
from tests.factories import PersonFactory
from tests.helpers import HTMX, approved_invoices, invoice_url
from waivers import services
from waivers.models import Waiver

pytestmark = pytest.mark.django_db
SEND = "Send the conditional waiver for this payment"


@pytest.fixture
def invoice(company, project, admin):
    from tests.factories import ContractFactory, SOVLineFactory, VendorFactory

    contract = ContractFactory(
        project=project,
        number="SC-9",
        vendor=VendorFactory(company=company, name="Apex"),
        payments_issued_enabled=True,
    )
    SOVLineFactory(contract=contract, scheduled_value=D("100000.00"))
    with scope(company=company):
        contract.invoice_contacts.set(
            [PersonFactory(vendor=contract.vendor, full_name="Pat Signer", email="pat@apex.test")]
        )
        services.waiver_settings_save(
            project=project,
            require_conditional=False,
            require_unconditional=True,
            acting_user=admin,
        )
    return approved_invoices(company, project, contract, ["29050.00"])[0]


def _pay(company, invoice, amount, admin, capture):
    with capture(execute=True), scope(company=company):
        return payment_services.payment_record(
            contract=invoice.contract,
            allocations=[(invoice, amount)],
            acting_user=admin,
            paid_on=date(2027, 1, 1),
        )


def _links(email):
    with scopes_disabled():
        bodies = OutgoingEmail.objects.filter(to=email).order_by("pk")
        return [re.search(r"http\S+(/waivers/sign/\S+/)", b.body).group(1) for b in bodies]


def _invoicing_row(admin_client, invoice):
    """The invoice's commitment's row on its period's invoicing page."""
    project = invoice.contract.project_id
    invoicing = admin_client.get(
        f"/acme/projects/{project}/billing-periods/{invoice.period_id}/invoicing/"
    ).content.decode()
    [row] = [r for r in invoicing.split("<tr")[1:] if ">SC-9</a>" in r]
    return row


def test_each_payment_has_its_own_unconditional_waiver(
    company, project, admin, admin_client, client, invoice, django_capture_on_commit_callbacks
):
    first = _pay(company, invoice, "10000", admin, django_capture_on_commit_callbacks)
    second = _pay(company, invoice, "19050", admin, django_capture_on_commit_callbacks)
    with scopes_disabled():
        waivers = list(Waiver.objects.filter(invoice=invoice).order_by("pk"))
    assert [(w.amount, w.payment_ref, w.status) for w in waivers] == [
        (D("10000.00"), first.pk, Waiver.Status.SENT),
        (D("19050.00"), second.pk, Waiver.Status.SENT),
    ]
    with scopes_disabled():
        bodies = [e.body for e in OutgoingEmail.objects.filter(to="pat@apex.test")]
    assert all("asks you to sign an unconditional waiver on progress payment" in b for b in bodies)
    # The first payment's emailed link still works.
    first_link, second_link = _links("pat@apex.test")
    assert client.get(first_link).status_code == 200
    assert client.get(second_link).status_code == 200
    panel = admin_client.get(invoice_url(invoice) + "waivers/", headers=HTMX).content.decode()
    assert "10,000.00" in panel and "19,050.00" in panel
    client.post(first_link, {"name": "Pat Signer", "consent": "on"})
    assert "Unconditional: 1 of 2 signed" in _invoicing_row(admin_client, invoice)


def test_asking_again_for_the_same_payment_replaces_only_its_own_unsigned_waiver(
    company, admin, invoice, django_capture_on_commit_callbacks
):
    first = _pay(company, invoice, "10000", admin, django_capture_on_commit_callbacks)
    second = _pay(company, invoice, "5000", admin, django_capture_on_commit_callbacks)
    with scope(company=company):
        again = services.waiver_request_unconditional(
            invoice=invoice, amount="10000", payment_ref=first.pk, acting_user=admin
        )
        states = dict(Waiver.objects.exclude(pk=again.pk).values_list("payment_ref", "status"))
    assert states == {first.pk: Waiver.Status.VOID, second.pk: Waiver.Status.SENT}


def test_the_conditional_is_not_offered_once_signed_or_paid_in_full(
    company, project, admin, admin_client, invoice, django_capture_on_commit_callbacks
):
    url = invoice_url(invoice) + "waivers/"
    assert SEND in admin_client.get(url, headers=HTMX).content.decode()
    with django_capture_on_commit_callbacks(execute=True), scope(company=company):
        waiver = services.waiver_request_conditional(invoice=invoice, acting_user=admin)
    with scopes_disabled():
        email = OutgoingEmail.objects.get(to="pat@apex.test")
        assert "asks you to sign a conditional waiver on progress payment" in email.body
        Waiver.objects.filter(pk=waiver.pk).update(status=Waiver.Status.SIGNED)
    assert SEND not in admin_client.get(url, headers=HTMX).content.decode()
    with scopes_disabled():
        Waiver.objects.filter(pk=waiver.pk).update(status=Waiver.Status.VOID)
    _pay(company, invoice, "20000", admin, django_capture_on_commit_callbacks)
    assert SEND in admin_client.get(url, headers=HTMX).content.decode()  # partly paid
    _pay(company, invoice, "9050", admin, django_capture_on_commit_callbacks)
    assert SEND not in admin_client.get(url, headers=HTMX).content.decode()


def test_voiding_a_payment_withdraws_its_unsigned_waiver_and_keeps_a_signed_one(
    company, admin, admin_client, client, invoice, django_capture_on_commit_callbacks
):
    first = _pay(company, invoice, "10000", admin, django_capture_on_commit_callbacks)
    second = _pay(company, invoice, "5000", admin, django_capture_on_commit_callbacks)
    third = _pay(company, invoice, "2000", admin, django_capture_on_commit_callbacks)
    first_link, second_link, third_link = _links("pat@apex.test")
    client.post(first_link, {"name": "Pat Signer", "consent": "on"})
    with scope(company=company):
        payment_services.payment_void(payment=first, reason="Check bounced", acting_user=admin)
        payment_services.payment_void(payment=second, reason="Entered twice", acting_user=admin)
        states = {
            w.payment_ref: (w.status, w.payment_void_reason)
            for w in Waiver.objects.filter(invoice=invoice)
        }
    # The signed one stays signed (a legal document) and records the void beside it; the
    # unsigned one is withdrawn, its link dead; the third payment's is untouched.
    assert states == {
        first.pk: (Waiver.Status.SIGNED, f"Payment {first.number} voided: Check bounced"),
        second.pk: (Waiver.Status.VOID, f"Payment {second.number} voided: Entered twice"),
        third.pk: (Waiver.Status.SENT, ""),
    }
    assert client.get(second_link).status_code == 404
    assert client.get(third_link).status_code == 200
    panel = admin_client.get(invoice_url(invoice) + "waivers/", headers=HTMX).content.decode()
    assert f"Payment {first.number} voided: Check bounced" in panel
    assert "Withdrawn" in panel and f"Payment {second.number} voided: Entered twice" in panel
    # The invoicing page counts the live payments' waivers: the third's, unsigned.
    row = _invoicing_row(admin_client, invoice)
    assert "Unconditional: 0 of 1 signed" in row
