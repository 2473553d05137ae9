from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"

    def ready(self):
        from django.db.models.signals import post_save

        from invoices import exports as invoice_exports
        from invoices import gates as invoice_gates
        from tenancy import url_objects
        from tenancy.models import Company

        from . import gates, receivers, selectors
        from .models import ComplianceDocument, DocumentType

        url_objects.register("document_type", DocumentType)
        url_objects.register("compliance_document", ComplianceDocument)
        # invoices sits below this app: its actions ask our gates through its registry.
        for registry, gate in (
            (invoice_gates.SUBMIT_GATES, gates.submit_gate),
            (invoice_gates.APPROVE_GATES, gates.approve_gate),
        ):
            if gate not in registry:
                registry.append(gate)
        # The invoicing export's Compliance column, as the page's (invoices.exports).
        invoice_exports.INVOICING_STATE_COLUMNS["Compliance"] = selectors.invoicing_compliance_texts
        post_save.connect(
            receivers.company_created, sender=Company, dispatch_uid="compliance.company_created"
        )
