"""Every amount of the payments pages and exports shows two decimals, whatever exponent the
database hands back (SQLite's sums: 10530, 35059.5) (README, money; issue 15)."""

import csv
import io
from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from django_scopes import scope
from openpyxl import load_workbook

from payments import exports, selectors, services
from payments.forms import PaymentForm
from tests.helpers import approved_invoices, payments_url

pytestmark = pytest.mark.django_db


def _row(**amounts):
    contract = SimpleNamespace(
        project=SimpleNamespace(name="Tower"),
        number="SC-1",
        title="Electrical",
        vendor=None,
        client=None,
    )
    return SimpleNamespace(
        contract=contract,
        number="7",
        billing_date=date(2027, 1, 1),
        pay_by=date(2027, 1, 31),
        get_status_display=lambda: "Approved",
        paid_state=selectors.PARTIAL,
        **amounts,
    )


SQLITE_LIKE = {
    "current_payment_due": D("35059.5"),
    "paid": D("10530"),
    "unpaid": D("24529.5"),
    "scheduled": D("0"),
    "scheduled_past": D("1E+1"),
}


def test_the_payment_form_labels_show_two_decimals():
    invoice = SimpleNamespace(pk=1, title="Subcontractor invoice #12", unpaid=D("35059.5"))
    form = PaymentForm(invoices=[invoice], issued=True)
    assert form.fields["pay_1"].label == "Subcontractor invoice #12: pay (due 35,059.50)"


@pytest.mark.parametrize(
    "export, columns",
    [(exports.payables_export, (7, 8, 9)), (exports.receivables_export, (5, 6, 7, 8, 9))],
)
def test_every_money_cell_of_the_exports_has_two_decimals(export, columns):
    rows = list(csv.reader(io.StringIO(export([_row(**SQLITE_LIKE)], "csv").content.decode())))
    assert all(rows[1][c].endswith(".00") or rows[1][c].endswith(".50") for c in columns)
    assert "35059.50" in rows[1] and "10530.00" in rows[1]
    sheet = load_workbook(io.BytesIO(export([_row(**SQLITE_LIKE)], "xlsx").content)).active
    for column in columns:
        cell = sheet.cell(row=2, column=column + 1)
        assert isinstance(cell.value, (int, float)) and cell.number_format.endswith("0.00)")


def test_totals_and_amounts_read_are_to_the_cent(company, project, admin, admin_client):
    from tests.factories import ContractFactory, VendorFactory

    commitment = ContractFactory(
        project=project,
        number="SC-2",
        vendor=VendorFactory(company=company, name="Apex"),
        payments_issued_enabled=True,
    )
    [invoice] = approved_invoices(company, project, commitment, ["35059.50"])
    with scope(company=company):
        services.payment_record(
            contract=commitment,
            allocations=[(invoice, "10000")],
            acting_user=admin,
            paid_on=date(2027, 1, 1),
        )
        totals = selectors.paid_totals(selectors.with_paid(commitment.invoices.all()))
    assert [str(v) for v in totals.values()] == ["35059.50", "10000.00", "25059.50"]
    assert selectors.as_money(D("35059.5")) == D("35059.50")
    assert str(selectors.as_money(D("0"))) == "0.00"
    form = admin_client.get(payments_url(commitment)).content.decode()
    assert "pay (due 25,059.50)" in form
