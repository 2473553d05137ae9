"""The demo's lien waivers (docs/waivers.md): one of each state on P-1001, seeded after
its invoices (demo.billing). The PDFs are made here and now: the seed runs in one
transaction, and the jobs it queues would run only once it commits."""

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from invoices.models import Invoice
from waivers import gates, services
from waivers.models import Kind, Waiver

PROJECT = "P-1001"
APPROVED = (Invoice.Status.APPROVED, Invoice.Status.APPROVED_AS_NOTED)


def _made(invoice, admin):
    waiver = services.waiver_request_conditional(invoice=invoice, acting_user=admin)
    return services.waiver_render(waiver.pk)


def render_queued_waivers(project):
    """The unconditional waivers the demo's payments asked for (one per payment), made
    here and now rather than by the worker once the seed commits."""
    queued = Waiver.objects.filter(
        invoice__contract__project=project, status=Waiver.Status.QUEUED
    ).order_by("pk")
    for waiver_id in queued.values_list("pk", flat=True):
        services.waiver_render(waiver_id)


def seed_waivers(project, *, admin):
    """Idempotent: a project with waiver settings is left as it is."""
    if (
        project.number != PROJECT
        or Waiver.objects.filter(invoice__contract__project=project).exists()
    ):
        return
    invoices = {
        (invoice.contract.number, invoice.sequence): invoice
        for invoice in Invoice.objects.filter(contract__project=project).select_related(
            "contract__vendor", "contract__project__company"
        )
    }
    # SC-001's first invoice: conditional signed through its link; paid by demo.payments,
    # which sends the unconditional waiver for the amount paid (render_queued_waivers).
    first = invoices[("SC-001", 1)]
    waiver, token = _made(first, admin)
    services.waiver_sign(
        waiver=waiver, token=token, name="Casey Contact", consent=True, ip="203.0.113.10"
    )
    # SC-001's second invoice: conditional sent, not signed yet.
    _made(invoices[("SC-001", 2)], admin)
    # SC-002's first: a payment let through by an admin without the waiver, recorded, and
    # a supplier's waiver uploaded against the invoice.
    services.waiver_settings_save(
        project=project, require_conditional=True, require_unconditional=True, acting_user=admin
    )
    second = invoices[("SC-002", 1)]
    gates.conditional_waiver_gate(
        second, admin, "Paid by wire on the owner's deadline; waiver promised by Friday."
    )
    page = BytesIO()
    Image.new("RGB", (850, 1100), "white").save(page, "PDF")
    services.subtier_waiver_add(
        invoice=second,
        kind=Kind.CONDITIONAL_PROGRESS,
        party="Valley Wire & Supply",
        upload=SimpleUploadedFile("valley-wire-waiver.pdf", page.getvalue()),
        acting_user=admin,
    )
