from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"

    def ready(self):
        from contracts import signals
        from tenancy import url_objects

        from . import receivers
        from .models import BillingPeriod

        url_objects.register("period", BillingPeriod, project_path="project")
        signals.new_contract_defaults.connect(
            receivers.new_contract_defaults, dispatch_uid="billing.new_contract_defaults"
        )
