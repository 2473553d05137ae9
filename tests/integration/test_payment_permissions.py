"""The payment rows of the matrix through the HTTP layer, at every level: T1-2 and T2-4
(a payment issued), T1-15 and T2-11 (the Payments Issued tab) on a commitment, as its
invoice contact or not, on its private list or not, private or not; T1-9 and T2-8 (a
payment received) and T1-10 (a payment schedule) on a client contract, by Client
Contracts level."""

from decimal import Decimal as D

import pytest
from django_scopes import scope

from contracts.models import Contract
from invoices.models import Invoice
from invoices.services import invoice_create
from payments.models import Payment, PaymentScheduleItem
from permissions.levels import Level
from permissions.services import contract_private_users_set
from tests.factories import (
    BillingPeriodFactory,
    ContractFactory,
    MembershipFactory,
    PersonFactory,
    SOVLineFactory,
    VendorFactory,
)
from tests.helpers import client_for, grant
from tests.permission_table import CASES, EXPECTED, case_id, oracle

pytestmark = pytest.mark.django_db


def approved_invoice(company, project, contract, due):
    with scope(company=company):
        invoice = invoice_create(
            contract=contract, period=BillingPeriodFactory(project=project), acting_user=None
        )
        Invoice.objects.filter(pk=invoice.pk).update(status="approved", current_payment_due=due)
    return invoice


def expected(code, level, contact=False, private_list=False, private=False, sees=True):
    if not sees:
        return 404
    if not oracle(EXPECTED[code][1 + level], level, contact, private_list, private):
        return 403
    return "allowed"


def outcome(response):
    return response.status_code if response.status_code in (403, 404) else "allowed"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_payments_issued_rows(company, project, case):
    level, contact, private_list, private = case
    commitment = ContractFactory(
        project=project, number="SC-1", payments_issued_enabled=True, is_private=private
    )
    SOVLineFactory(contract=commitment, scheduled_value=D("1000.00"))
    invoice = approved_invoice(company, project, commitment, D("100.00"))
    user = MembershipFactory(company=company).user
    grant(user, project, commitments=level)
    with scope(company=company):
        if contact:
            PersonFactory(vendor=commitment.vendor, email=user.email, user=user)
            commitment.invoice_contacts.set(commitment.vendor.people.all())
        if private_list:
            contract_private_users_set(contract=commitment, users=[user])
    client = client_for(user)
    url = f"/acme/projects/{project.pk}/contracts/{commitment.pk}/payments/"
    sees = oracle("✓", level, contact, private_list, private)
    flags = (level, contact, private_list, private)

    record = client.post(
        url + "new/", {"method": "check", "paid_on": "2027-01-01", f"pay_{invoice.pk}": "100"}
    )
    want = expected("T2-4", *flags, sees=sees)
    assert want == expected("T1-2", *flags, sees=sees)
    assert outcome(record) == want
    with scope(company=company):
        assert Payment.objects.filter(contract=commitment).exists() is (want == "allowed")

    toggle = client.post(url + "issued-tab/", {})
    want = expected("T2-11", *flags, sees=sees)
    assert want == expected("T1-15", *flags, sees=sees)
    assert outcome(toggle) == want
    commitment.refresh_from_db()
    assert commitment.payments_issued_enabled is (want != "allowed")

    # Seeing the payments follows seeing the commitment.
    assert outcome(client.get(url)) == ("allowed" if sees else 404)


@pytest.mark.parametrize("level", list(Level), ids=lambda level: level.name.lower())
def test_payments_received_and_schedule_rows(company, project, level):
    owner = VendorFactory(company=company)
    contract = ContractFactory(
        project=project, kind=Contract.Kind.CLIENT, number="PC-1", client=owner, vendor=None
    )
    SOVLineFactory(contract=contract, scheduled_value=D("1000.00"))
    invoice = approved_invoice(company, project, contract, D("100.00"))
    user = MembershipFactory(company=company).user
    # Admin on Commitments never reaches a client contract's payments (rule 1).
    grant(user, project, commitments=Level.ADMIN, client_contracts=level)
    client = client_for(user)
    base = f"/acme/projects/{project.pk}/contracts/{contract.pk}/"
    sees = level > Level.NONE

    record = client.post(
        base + "payments/new/",
        {"method": "wire", "paid_on": "2027-01-01", f"pay_{invoice.pk}": "100"},
    )
    want = expected("T1-9", level, sees=sees)
    assert want == expected("T2-8", level, sees=sees)
    assert outcome(record) == want
    schedule = client.post(
        base + f"invoices/{invoice.pk}/schedule/new/",
        {"expected_on": "2027-02-01", "amount": "50"},
    )
    assert outcome(schedule) == expected("T1-10", level, sees=sees)
    with scope(company=company):
        assert Payment.objects.exists() is (want == "allowed")
        assert PaymentScheduleItem.objects.exists() is (want == "allowed")
