"""One invoice, or the invoicing page, as CSV or as an XLSX workbook of real numbers.

Every cell of both formats goes through `cell_value`: user text a spreadsheet would run as
a formula (OWASP CSV injection) is written as text, figures stay numbers.
"""

import csv
from io import BytesIO

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import get_valid_filename
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

MONEY_FORMAT = "#,##0.00;(#,##0.00)"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

G703_COLUMNS = [
    ("A Item", "number", None),
    ("B Description of work", "description", None),
    ("C Scheduled value", "scheduled_value", MONEY_FORMAT),
    ("D From previous application", "previous_work", MONEY_FORMAT),
    ("E This period", "work_this_period", MONEY_FORMAT),
    ("F Materials presently stored", "materials_stored", MONEY_FORMAT),
    ("G Completed and stored to date", "completed_to_date", MONEY_FORMAT),
    ("% (G / C)", "percent_complete", "0.00"),
    ("H Balance to finish", "balance_to_finish", MONEY_FORMAT),
    ("I Retainage", "retainage_to_date", MONEY_FORMAT),
]
G702_LINES = [
    ("1", "Original contract sum", "original_contract_sum"),
    ("2", "Net change by change orders", "net_change_by_change_orders"),
    ("3", "Contract sum to date", "contract_sum_to_date"),
    ("4", "Total completed and stored to date", "total_completed_and_stored"),
    ("5a", "Retainage on completed work", "retainage_work"),
    ("5b", "Retainage on stored material", "retainage_materials"),
    ("5", "Total retainage", "total_retainage"),
    ("6", "Total earned less retainage", "total_earned_less_retainage"),
    ("7", "Less previous certificates for payment", "previous_certificates"),
    ("8", "Current payment due", "current_payment_due"),
    ("9", "Balance to finish, including retainage", "balance_to_finish_including_retainage"),
]
INVOICING_COLUMNS = [
    ("Commitment", "number", None),
    ("Title", "title", None),
    ("Vendor", "vendor", None),
    ("State", "state", None),
    ("Invoice", "invoice", None),
    ("Completed and stored to date", "completed", MONEY_FORMAT),
    ("Retainage", "retainage", MONEY_FORMAT),
    ("Current payment due", "payment_due", MONEY_FORMAT),
]
# The page's paid, lien waiver and compliance state columns, in its order
# (templates/invoices/invoicing.html). The apps above invoices own them, so each fills its
# own from its AppConfig.ready(), as gates are added (invoices.gates; docs/tenancy.md, the
# layers): a callable taking the rows and the project and returning each row's text as the
# page shows it, in the same few queries whatever the rows (docs/payments.md).
INVOICING_STATE_COLUMNS = dict.fromkeys(["Paid state", "Lien waiver", "Compliance"])


# What makes a spreadsheet read a cell as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_value(value, file_format):
    """The value to write for one cell. Text starting like a formula is made inert: in CSV
    by a leading quote (OWASP), in XLSX by writing a string cell (xlsx_response), so the
    workbook shows the text as typed. Numbers and dates are left as they are. Control
    characters a workbook cannot hold (typed into a title, say) are left out of XLSX."""
    if value is None:
        return ""
    if file_format == "csv" and isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if file_format == "xlsx" and isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _attachment(response, filename):
    """The download's name from user text (a contract number may hold anything): made safe
    for a header and a file system."""
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=get_valid_filename(filename)
    )
    return response


def invoice_rows(invoice, lines, totals):
    """The G703 as rows of values (Decimals for figures), with its totals row."""
    rows = [[getattr(line, attr) for _, attr, _ in G703_COLUMNS] for line in lines]
    rows.append(["", "Totals", *[totals[attr] for _, attr, _ in G703_COLUMNS[2:]]])
    return rows


def invoicing_rows(rows):
    return [
        [
            row.commitment.number,
            row.commitment.title,
            row.vendor_name,
            row.state_text,
            f"#{row.invoice.number}" if row.invoice else "",
            row.invoice.total_completed_and_stored if row.invoice else None,
            row.invoice.total_retainage if row.invoice else None,
            row.invoice.current_payment_due if row.invoice else None,
        ]
        for row in rows
    ]


def csv_response(filename, sections):
    """`sections`: [(header row, data rows)], separated by a blank line."""
    response = _attachment(HttpResponse(content_type="text/csv; charset=utf-8"), f"{filename}.csv")
    writer = csv.writer(response)
    for index, (header, rows) in enumerate(sections):
        if index:
            writer.writerow([])
        writer.writerow(header)
        writer.writerows([[cell_value(value, "csv") for value in row] for row in rows])
    return response


def xlsx_response(filename, sheets):
    """`sheets`: [(title, columns [(header, _, number format)], data rows)]."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, columns, rows in sheets:
        sheet = workbook.create_sheet(title)
        sheet.append([header for header, _, _ in columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row_index, row in enumerate(rows, start=2):
            for column, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = sheet.cell(row=row_index, column=column, value=cell_value(value, "xlsx"))
                if isinstance(value, str):
                    # openpyxl turns text starting with "=" into a formula; text stays text.
                    cell.data_type = "s"
        for index, (header, _, number_format) in enumerate(columns, start=1):
            letter = sheet.cell(row=1, column=index).column_letter
            sheet.column_dimensions[letter].width = max(12, min(40, len(header) + 2))
            if number_format:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = number_format
        sheet.freeze_panes = "A2"
    buffer = BytesIO()
    workbook.save(buffer)
    return _attachment(HttpResponse(buffer.getvalue(), content_type=XLSX), f"{filename}.xlsx")


def general_info_rows(invoice, fields):
    """The invoice's own details, those the project's fieldsets do not hide (`fields`, a
    billing.fieldsets.FieldRules): a hidden field is kept, never exported."""
    shown = fields.shown
    term = invoice.contract.invoice_term
    rows = [["Document", term], ["Application number", invoice.sequence]]
    if shown["invoice_number"]:
        rows.append([f"{term} number", invoice.number])
    if shown["billing_date"]:
        rows.append(["Billing date", invoice.billing_date])
    if shown["period_dates"]:
        rows += [["Period from", invoice.period_start], ["Period to", invoice.period_end]]
    if shown["comments"]:
        rows.append(["Comments", invoice.comments])
    return rows


def invoice_export(invoice, lines, totals, file_format, *, fields):
    name = invoice.number if fields.shown["invoice_number"] else invoice.sequence
    filename = f"{invoice.contract.number}-{invoice.contract.invoice_term}-{name}"
    g703 = invoice_rows(invoice, lines, totals)
    g702 = [[number, label, getattr(invoice, attr)] for number, label, attr in G702_LINES]
    general = general_info_rows(invoice, fields)
    if file_format == "xlsx":
        return xlsx_response(
            filename,
            [
                ("G703", G703_COLUMNS, g703),
                ("G702", [("Line", "", None), ("", "", None), ("Amount", "", MONEY_FORMAT)], g702),
                ("Invoice", [("Field", "", None), ("Value", "", None)], general),
            ],
        )
    return csv_response(
        filename,
        [
            ([h for h, _, _ in G703_COLUMNS], g703),
            (["Line", "G702", "Amount"], g702),
            (["Invoice", "Value"], general),
        ],
    )


def invoicing_export(period, rows, file_format):
    filename = f"invoicing-period-{period.position}"
    data = invoicing_rows(rows)
    # The invoice column is named as the company names its subcontractor invoices.
    term = period.project.company.subcontractor_invoice_term
    columns = [
        (term if key == "invoice" else head, key, fmt) for head, key, fmt in INVOICING_COLUMNS
    ]
    for head, texts in INVOICING_STATE_COLUMNS.items():
        columns.append((head, head, None))
        for row, text in zip(data, texts(rows, project=period.project), strict=True):
            row.append(text)
    if file_format == "xlsx":
        return xlsx_response(filename, [("Invoicing", columns, data)])
    return csv_response(filename, [([h for h, _, _ in columns], data)])
