from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "invoices"

    def ready(self):
        from contracts import signals
        from tenancy import url_objects

        from . import receivers
        from .models import Invoice, InvoiceAttachment, InvoiceDocument, InvoiceLine

        url_objects.register(
            "invoice",
            Invoice,
            project_path="contract__project",
            parent=("contract", "contract"),
            # The page names the contract's party (contract.party) in its heading.
            select_related=["contract__vendor", "contract__client", "period"],
        )
        url_objects.register(
            "invoice_line",
            InvoiceLine,
            project_path="invoice__contract__project",
            select_related=["invoice__contract"],
        )
        url_objects.register(
            "document",
            InvoiceDocument,
            project_path="invoice__contract__project",
            parent=("invoice", "invoice"),
        )
        url_objects.register(
            "attachment",
            InvoiceAttachment,
            project_path="invoice__contract__project",
            parent=("invoice", "invoice"),
        )
        for name in (
            "contract_terms_changed",
            "change_order_withdrawn",
            "invoice_contacts_removed",
        ):
            getattr(signals, name).connect(
                getattr(receivers, name), dispatch_uid=f"invoices.{name}"
            )
