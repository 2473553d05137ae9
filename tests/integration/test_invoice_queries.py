"""Query counts of the invoicing pages, constant whatever the number of rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from contracts.models import SOVLine
from invoices.services import invoice_create
from permissions.levels import Level
from tests.factories import (
    BillingPeriodFactory,
    ContractFactory,
    MembershipFactory,
    SOVLineFactory,
)
from tests.helpers import client_for, grant

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
