from django.apps import AppConfig


class WaiversConfig(AppConfig):
    name = "waivers"

    def ready(self):
        from django.db.models.signals import post_save

        from invoices import exports as invoice_exports
        from invoices.models import InvoiceEvent
        from tenancy import url_objects

        from . import receivers, selectors
        from .models import SubtierWaiver, Waiver

        url_objects.register(
            "waiver",
            Waiver,
            project_path="invoice__contract__project",
            parent=("invoice", "invoice"),
        )
        url_objects.register(
            "subtier_waiver",
            SubtierWaiver,
            project_path="invoice__contract__project",
            parent=("invoice", "invoice"),
        )
        # invoices sits below waivers (docs/waivers.md): it records its status changes as
        # events, and the conditional waiver is asked for when one says submitted or approved.
        post_save.connect(
            receivers.invoice_event_saved, sender=InvoiceEvent, dispatch_uid="waivers.event"
        )
        # The invoicing export's Lien waiver column, as the page's (invoices.exports).
        invoice_exports.INVOICING_STATE_COLUMNS["Lien waiver"] = selectors.invoicing_waiver_texts
