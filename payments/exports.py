"""The Payables and Receivables lists as CSV or XLSX, real numbers, through the invoices
exports' helpers (their formula-injection guard on every cell). Every amount to the cent
(selectors.as_money): SQLite's annotations come back as 10530 or 35059.5."""

from invoices.exports import MONEY_FORMAT, csv_response, xlsx_response

from .selectors import PAID_STATES, as_money

PAYABLES_COLUMNS = [
    ("Project", None),
    ("Commitment", None),
    ("Vendor", None),
    ("Invoice", None),
    ("Billing date", "yyyy-mm-dd"),
    ("Pay by", "yyyy-mm-dd"),
    ("Status", None),
    ("Current payment due", MONEY_FORMAT),
    ("Paid", MONEY_FORMAT),
    ("Outstanding", MONEY_FORMAT),
    ("Paid state", None),
]
RECEIVABLES_COLUMNS = [
    ("Project", None),
    ("Client contract", None),
    ("Client", None),
    ("Invoice", None),
    ("Billing date", "yyyy-mm-dd"),
    ("Current payment due", MONEY_FORMAT),
    ("Scheduled", MONEY_FORMAT),
    ("Expected by today", MONEY_FORMAT),
    ("Received", MONEY_FORMAT),
    ("Outstanding", MONEY_FORMAT),
    ("Paid state", None),
]


def _respond(filename, title, columns, rows, file_format):
    if file_format == "xlsx":
        return xlsx_response(filename, [(title, [(h, "", f) for h, f in columns], rows)])
    return csv_response(filename, [([h for h, _ in columns], rows)])


def payables_export(invoices, file_format):
    rows = [
        [
            i.contract.project.name,
            f"{i.contract.number} {i.contract.title}",
            i.contract.vendor.name if i.contract.vendor else "",
            i.number,
            i.billing_date,
            i.pay_by,
            i.get_status_display(),
            *(as_money(v) for v in (i.current_payment_due, i.paid, i.unpaid)),
            PAID_STATES[i.paid_state],
        ]
        for i in invoices
    ]
    return _respond("payables", "Payables", PAYABLES_COLUMNS, rows, file_format)


def receivables_export(invoices, file_format):
    rows = [
        [
            i.contract.project.name,
            f"{i.contract.number} {i.contract.title}",
            i.contract.client.name if i.contract.client else "",
            i.number,
            i.billing_date,
            *(
                as_money(v)
                for v in (i.current_payment_due, i.scheduled, i.scheduled_past, i.paid, i.unpaid)
            ),
            PAID_STATES[i.paid_state],
        ]
        for i in invoices
    ]
    return _respond("receivables", "Receivables", RECEIVABLES_COLUMNS, rows, file_format)
