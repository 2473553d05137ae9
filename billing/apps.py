from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"

    def ready(self):
        from tenancy import url_objects

        from .models import BillingPeriod

        url_objects.register("period", BillingPeriod, project_path="project")
