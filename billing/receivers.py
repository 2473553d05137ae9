"""What billing answers when contracts ask (contracts.signals); connected in billing.apps
(docs/tenancy.md, the layers: contracts import no billing code)."""

from .models import BillingSettings


def new_contract_defaults(sender, *, project, **kwargs):
    """A new contract's retainage and commitment defaults: the project's settings
    (docs/settings.md). Without settings, the model's own defaults stand."""
    settings = BillingSettings.objects.filter(project=project).first()
    if settings is None:
        return {}
    return {
        "retainage_work_rate": settings.retainage_work_rate,
        "retainage_materials_rate": settings.retainage_materials_rate,
        "retainage_rules": list(settings.retainage_rules),
        "ssov_required": settings.ssov_required,
        "payments_issued_enabled": settings.payments_issued_enabled,
    }
