from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self):
        from compliance.gates import payment_gate
        from invoices import exports as invoice_exports
        from tenancy import url_objects
        from waivers import selectors as waiver_selectors
        from waivers.gates import conditional_waiver_gate

        from . import gates, selectors
        from .models import Payment, PaymentScheduleItem

        # The apps below payments that may refuse a payment issued (docs/payments.md, gates):
        # the conditional lien waiver (docs/waivers.md) and the compliance documents that
        # gate paying (docs/compliance.md).
        gates.register(conditional_waiver_gate)
        gates.register(payment_gate)
        # The invoicing export's Paid state column, as the page's (invoices.exports).
        invoice_exports.INVOICING_STATE_COLUMNS["Paid state"] = selectors.invoicing_paid_texts
        # The invoice page stops offering the conditional waiver once it is paid in full.
        waiver_selectors.register_paid_in_full(selectors.paid_in_full)

        url_objects.register(
            "payment",
            Payment,
            project_path="contract__project",
            parent=("contract", "contract"),
        )
        url_objects.register(
            "schedule_item",
            PaymentScheduleItem,
            project_path="invoice__contract__project",
            parent=("invoice", "invoice"),
        )
