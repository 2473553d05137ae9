from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "contracts"

    def ready(self):
        from tenancy import url_objects

        from .models import ChangeOrder, ChangeOrderLine, Contract, SOVLine, SSOVLine

        url_objects.register("contract", Contract, project_path="project")
        url_objects.register(
            "sov_line",
            SOVLine,
            project_path="contract__project",
            parent=("contract", "contract"),
            select_related=["contract"],
        )
        url_objects.register(
            "change_order",
            ChangeOrder,
            project_path="contract__project",
            parent=("contract", "contract"),
            select_related=["contract"],
        )
        url_objects.register(
            "change_order_line",
            ChangeOrderLine,
            project_path="change_order__contract__project",
            parent=("change_order", "change_order"),
            select_related=["change_order__contract"],
        )
        url_objects.register(
            "ssov_line",
            SSOVLine,
            project_path="sov_line__contract__project",
            parent=("contract", "sov_line__contract"),
            select_related=["sov_line__contract"],
        )
