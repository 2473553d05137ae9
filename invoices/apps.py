from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "invoices"

    def ready(self):
        from tenancy import url_objects

        from .models import Invoice

        url_objects.register(
            "invoice",
            Invoice,
            project_path="contract__project",
            parent=("contract", "contract"),
            select_related=["contract", "period"],
        )
