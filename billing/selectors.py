"""Reads for the billing pages."""

from django.utils.text import capfirst

from .models import BillingSettings, BillingSettingsChange

HISTORY_SIZE = 30


def settings_history(settings, *, limit=HISTORY_SIZE):
    """The latest changes to the project's settings, newest first, each with the setting's
    name as the page labels it."""
    changes = list(
        BillingSettingsChange.objects.filter(billing_settings=settings).select_related(
            "changed_by"
        )[:limit]
    )
    for change in changes:
        try:
            change.label = capfirst(BillingSettings._meta.get_field(change.field).verbose_name)
        except LookupError:  # a setting since removed: its name as recorded
            change.label = change.field
    return changes


def overbilling_rule(project):
    """The project's overbilling rule (docs/settings.md): refused where none is set."""
    rule = (
        BillingSettings.objects.filter(project=project)
        .values_list("overbilling", flat=True)
        .first()
    )
    return rule or BillingSettings.Overbilling.FORBID


def overbilling_flagged(project):
    """Whether pages mark an overbilled line and invoice: not where the project allows
    overbilling outright (refused, it cannot be stored; warned, it is flagged)."""
    return overbilling_rule(project) != BillingSettings.Overbilling.ALLOW
