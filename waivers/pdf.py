"""The waiver as a PDF, rendered by WeasyPrint on the PDF worker (docs/waivers.md)."""

from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from invoices.pdf import INLINE_ONLY

from . import services, templating


def render_waiver_pdf(waiver, template_text):
    values = services.waiver_values(waiver)
    html = render_to_string(
        "waivers/pdf/waiver.html",
        {
            "waiver": waiver,
            "values": values,
            # Escaped by the engine: the company's words and the figures alike (templating).
            "body": templating.render_body(template_text, values),
            "generated_at": timezone.now(),
        },
    )
    return HTML(string=html, url_fetcher=INLINE_ONLY).write_pdf()
