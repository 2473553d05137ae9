"""Reads for the billing pages: the settings' history and rules, the periods' dates."""

from dataclasses import replace

from django.utils.text import capfirst

from . import cycle
from .models import BillingPeriod, BillingSettings, BillingSettingsChange

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


def period_proposal(project, today):
    """The dates the manual form offers (docs/periods.md): the period after the project's
    last one, or the one containing today, by the settings' days (monthly when the
    automatic cycle is off)."""
    # Unsaved defaults when the project has no settings yet: a read writes nothing.
    settings = BillingSettings.objects.filter(project=project).first() or BillingSettings()
    rules = cycle.Rules.of(settings)
    if rules.frequency == BillingSettings.Frequency.OFF:
        rules = replace(rules, frequency=cycle.MONTHLY)
    last = BillingPeriod.objects.filter(project=project).order_by("-position").first()
    if last is None:
        return cycle.first_period(rules, today)
    return cycle.next_period(rules, last)
