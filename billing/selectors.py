"""Reads on billing periods."""

from dataclasses import replace

from . import cycle
from .models import BillingPeriod, BillingSettings


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
