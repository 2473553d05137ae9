"""Query counts of the invoicing pages, constant whatever the number of rows."""

import csv
import io
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from compliance.models import ComplianceRule, DocumentType
from compliance.services import compliance_settings
from contracts.models import SOVLine
from invoices.models import Invoice
from invoices.services import invoice_create
from payments.models import Payment, PaymentAllocation
from permissions.levels import Level
from tests.factories import (
    BillingPeriodFactory,
    ContractFactory,
    MembershipFactory,
    SOVLineFactory,
)
from tests.helpers import client_for, grant
from waivers.models import Waiver

pytestmark = pytest.mark.django_db


def make_invoice(company, project, admin, lines):
    contract = ContractFactory(project=project)
    # In one INSERT: the factory's one each would take most of a minute at 2,000 lines.
    SOVLine.objects.bulk_create(SOVLineFactory.build_batch(lines, contract=contract))
    with scope(company=company):
        return invoice_create(
            contract=contract, period=BillingPeriodFactory(project=project), acting_user=admin
        )


@pytest.mark.parametrize("lines", [10, 2000])
def test_the_invoice_page(
    company, project, admin, admin_client, lines, django_assert_max_num_queries
):
    invoice = make_invoice(company, project, admin, lines)
    url = f"/acme/projects/{project.pk}/contracts/{invoice.contract_id}/invoices/{invoice.pk}/"
    # 12, and the project's compliance rules (docs/compliance.md): none here, so no documents.
    with django_assert_max_num_queries(13):
        response = admin_client.get(url)
    assert response.content.decode().count('<tr id="line-') == lines


def test_a_standard_users_invoice_page_asks_once_whether_the_invoice_is_the_latest(
    company, project, admin
):
    """Below Admin, who may type on the lines depends on the invoice being the contract's
    latest, a query: the page asks it once, for the lines and the attachments alike."""
    invoice = make_invoice(company, project, admin, 10)
    user = grant(MembershipFactory(company=company).user, project, Level.STANDARD, Level.STANDARD)
    client = client_for(user)
    url = f"/acme/projects/{project.pk}/contracts/{invoice.contract_id}/invoices/{invoice.pk}/"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    latest = [q for q in queries if '"invoices_invoice"."sequence" >' in q["sql"]]
    assert len(latest) == 1


@pytest.mark.parametrize("commitments", [10, 200])
def test_the_invoicing_page(
    company, project, admin, admin_client, commitments, django_assert_max_num_queries
):
    period = BillingPeriodFactory(project=project)
    for contract in ContractFactory.create_batch(commitments, project=project):
        SOVLineFactory(contract=contract)
        with scope(company=company):
            invoice_create(contract=contract, period=period, acting_user=admin)
    url = f"/acme/projects/{project.pk}/billing-periods/{period.pk}/invoicing/"
    # The same budget at 10 and 200 commitments; 16 since the page shows each commitment's
    # paid state, lien waiver state and compliance state as columns of its row (asked once
    # for the whole page, docs/payments.md "On other pages").
    with django_assert_max_num_queries(16):
        assert admin_client.get(url).status_code == 200


@pytest.mark.parametrize("commitments", [10, 200])
def test_the_invoicing_export(company, project, admin, admin_client, commitments):
    """The export's paid, lien waiver and compliance columns are asked once for all its
    rows, as the page's are (docs/payments.md, On other pages): the same queries at 10
    and 200 commitments, each of the three states present."""
    period = BillingPeriodFactory(project=project)
    invoices = []
    for contract in ContractFactory.create_batch(commitments, project=project):
        SOVLineFactory(contract=contract)
        with scope(company=company):
            invoices.append(invoice_create(contract=contract, period=period, acting_user=admin))
    with scope(company=company):
        # Approved, so payable: an invoice not approved has no paid state ("—").
        Invoice.objects.filter(pk__in=[invoice.pk for invoice in invoices[:3]]).update(
            status=Invoice.Status.APPROVED
        )
        payment = Payment.objects.create(
            kind="issued",
            contract=invoices[0].contract,
            number="1",
            amount=D("1"),
            paid_on="2027-01-01",
        )
        PaymentAllocation.objects.create(payment=payment, invoice=invoices[0], amount=D("1"))
        Waiver.objects.create(
            invoice=invoices[1],
            kind="conditional_progress",
            status="sent",
            amount=D("1"),
            through_date=period.end_date,
        )
        ComplianceRule.objects.create(
            settings=compliance_settings(project),
            document_type=DocumentType.objects.get(company=company, name="W-9"),
            gates_submit=True,
        )
    url = f"/acme/projects/{project.pk}/billing-periods/{period.pk}/invoicing/export/?format="
    for file_format in ("csv", "xlsx"):
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(url + file_format)
        assert response.status_code == 200
        # The session, the user, the membership, the period, the commitments and their
        # invoices (invoices.invoicing), the company (its name for invoices), then one
        # query each for the paid and waiver states and two for the compliance rules and
        # documents: 11, at 10 commitments as at 200.
        assert len(queries) == 11, "\n".join(q["sql"] for q in queries)
    header, *rows = csv.reader(io.StringIO(admin_client.get(url + "csv").content.decode()))
    assert len(rows) == commitments
    assert header[-3:] == ["Paid state", "Lien waiver", "Compliance"]
    by_number = {row[0]: row[-3:] for row in rows}
    paid, sent, other = (invoice.contract.number for invoice in invoices[:3])
    # Nothing was billed, so nothing is due: the one payment pays it all.
    assert by_number[paid] == ["Paid 1.00", "—", "W-9: missing"]
    assert by_number[sent] == ["Unpaid", "Conditional sent", "W-9: missing"]
    assert by_number[other] == ["Unpaid", "—", "W-9: missing"]


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lines", [10, 2000])
def test_one_cell_save_is_seven_queries_whatever_the_lines(
    company, project, admin, admin_client, lines
):
    """Seven queries, whatever the lines: the session (kept in the database, so that a
    Redis outage cannot sign anyone out), the user (Django's ModelBackend), their
    membership with the company, the line with its invoice, contract and project (the URL's
    objects), the invoice locked with its contract, the line's version-guarded edit and the
    invoice's new figures (docs/tenancy.md). (The transaction's BEGIN and COMMIT are not
    counted.)"""
    invoice = make_invoice(company, project, admin, lines)
    with scope(company=company):
        line = invoice.lines.first()
    with CaptureQueriesContext(connection) as captured:
        response = admin_client.post(
            f"/acme/projects/{project.pk}/invoice-lines/{line.pk}/",
            {"version": 1, "work_this_period": "100.00"},
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 200
    queries = [q["sql"] for q in captured if not q["sql"].startswith(TRANSACTION_CONTROL)]
    assert len(queries) == 7, "\n".join(queries)
