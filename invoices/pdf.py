"""The invoice as an AIA-style PDF: the application and certificate for payment (G702)
and its continuation sheets (G703), rendered by WeasyPrint.

Every figure is the invoice page's: the stored lines and sums (selectors.invoice_page)
through the same money filters, so the paper and the screen agree to the cent.
"""

import base64
import hashlib
import mimetypes

from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML, URLFetcher

from billing.fieldsets import field_rules
from billing.models import BillingSettings
from billing.services import billing_settings

from . import selectors
from .pay_application import SAVED_FIELDS

# The PDF embeds its logo as a data: URL and needs nothing else: whatever a text on the
# page might point at, the worker fetches nothing from the network or its disk.
INLINE_ONLY = URLFetcher(allowed_protocols={"data"})
# What the first page shows of the invoice and its contract, besides the G702 sums.
INVOICE_FACTS = (
    "number",
    "sequence",
    "comments",
    "status",
    "invoice_type",
    "billing_date",
    "period_start",
    "period_end",
    "submitted_at",
)
CONTRACT_FACTS = (
    "number",
    "title",
    "kind",
    "contractor",
    "architect",
    "contract_date",
    "retainage_work_rate",
    "retainage_materials_rate",
)


def pdf_context(invoice):
    """What the PDF shows: the invoice page's figures, the project's PDF options."""
    page = selectors.invoice_page(invoice)
    contract = page["contract"]
    options = billing_settings(contract.project)
    return page | {
        "project": contract.project,
        "company": contract.project.company,
        "party": contract.party,
        "options": {name: getattr(options, name) for name in BillingSettings.PDF_OPTIONS},
        "logo": _data_uri(options.pdf_logo),
        "sections": _sections(page["lines"]),
        # Which of the invoice's fields the project hides (docs/invoices.md, "Fieldsets").
        "fields": field_rules(contract.project_id),
    }


def fingerprint(context):
    """A digest of everything the PDF shows: equal digests, equal documents."""
    invoice, contract = context["invoice"], context["contract"]
    shown = (
        [getattr(invoice, name) for name in (*INVOICE_FACTS, *SAVED_FIELDS)],
        context["totals"],
        [getattr(contract, name) for name in CONTRACT_FACTS],
        str(context["party"]),
        context["company"].name,
        [context["project"].name, context["project"].number, context["project"].address],
        [sorted(vars(line).items()) for line in context["lines"]],
        context["options"],
        context["logo"],
        context["fields"].key(),
    )
    return hashlib.sha256(repr(shown).encode()).hexdigest()


def render_pdf(context):
    html = render_to_string(
        "invoices/pdf/pay_application.html", context | {"generated_at": timezone.now()}
    )
    return HTML(string=html, url_fetcher=INLINE_ONLY).write_pdf()


def _sections(lines):
    """The G703 lines: the schedule of values, then one section per change order."""
    sections = []
    for line in lines:
        key = line.change_order_number
        if not sections or sections[-1]["change_order"] != key:
            sections.append(
                {"change_order": key, "approved_on": line.change_order_approved_on, "lines": []}
            )
        sections[-1]["lines"].append(line)
    return sections


def _data_uri(image):
    """The logo inline, so the worker needs no URL to the storage it lives in."""
    if not image:
        return ""
    with image.open("rb") as file:
        data = base64.b64encode(file.read()).decode()
    kind = mimetypes.guess_type(image.name)[0] or "image/png"
    return f"data:{kind};base64,{data}"
