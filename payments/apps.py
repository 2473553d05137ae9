from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self):
        from tenancy import url_objects

        from .models import Payment, PaymentScheduleItem

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
