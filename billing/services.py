"""Writes on billing periods and the project's billing settings."""

import logging
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction

from contracts.money import percent_text
from contracts.services import retainage_rules_checked
from tenancy.models import Project

from . import cycle
from .models import BillingPeriod, BillingSettings, BillingSettingsChange

Status = BillingPeriod.Status
Frequency = BillingSettings.Frequency
logger = logging.getLogger(__name__)


def _lock_project(project):
    """Period changes of one project happen one at a time: overlaps are checked, not raced."""
    Project.objects.select_for_update().filter(pk=project.pk).first()


def _check_dates(*, start_date, end_date, due_date):
    errors = {}
    if end_date < start_date:
        errors["end_date"] = "The end date must be on or after the start date."
    if due_date < start_date:
        errors["due_date"] = "The due date must be on or after the start date."
    if errors:
        raise ValidationError(errors)


def _check_overlap(period):
    overlapping = (
        BillingPeriod.objects.filter(
            project=period.project,
            start_date__lte=period.end_date,
            end_date__gte=period.start_date,
        )
        .exclude(pk=period.pk)
        .first()
    )
    if overlapping:
        raise ValidationError(f"These dates overlap {overlapping}.")


@transaction.atomic
def period_create(*, project, start_date, end_date, due_date, open_it=False):
    """Add the project's next billing period; periods follow one another in time."""
    _lock_project(project)
    _check_dates(start_date=start_date, end_date=end_date, due_date=due_date)
    last = BillingPeriod.objects.filter(project=project).order_by("-position").first()
    if last and start_date <= last.end_date:
        raise ValidationError(
            {
                "start_date": f"The next period starts after {last.end_date:%b %d, %Y}, "
                f"the end of {last}."
            }
        )
    position = (last.position if last else 0) + 1
    period = BillingPeriod.objects.create(
        project=project,
        position=position,
        start_date=start_date,
        end_date=end_date,
        due_date=due_date,
    )
    if open_it:
        period_open(period=period)
    return period


@transaction.atomic
def period_update(*, period, start_date, end_date, due_date):
    _lock_project(period.project)
    _check_dates(start_date=start_date, end_date=end_date, due_date=due_date)
    period.start_date, period.end_date, period.due_date = start_date, end_date, due_date
    _check_overlap(period)
    period.save()
    return period


@transaction.atomic
def period_open(*, period):
    """Open a period; the one open before it closes (one period is open at a time)."""
    _lock_project(period.project)
    BillingPeriod.objects.filter(project=period.project, status=Status.OPEN).exclude(
        pk=period.pk
    ).update(status=Status.CLOSED)
    period.status = Status.OPEN
    period.save(update_fields=["status"])
    return period


@transaction.atomic
def period_close(*, period):
    period.status = Status.CLOSED
    period.save(update_fields=["status"])
    return period


def billing_settings(project):
    """The project's settings, created with the defaults on first use."""
    settings, _ = BillingSettings.objects.get_or_create(project=project)
    return settings


# The settings page's sections (docs/settings.md): each is saved on its own, and only its
# fields change; the PDF options have their own page (pdf_settings).
SETTINGS_SECTIONS = {
    "periods": (
        "Billing periods",
        (
            "period_start_day",
            "period_end_day",
            "period_due_day",
            "period_week_start",
            "period_frequency",
            "period_lead_days",
        ),
    ),
    "numbering": ("Invoice numbering", ("numbering", "number_prefix", "number_padding")),
    "retainage": (
        "Retainage defaults",
        ("retainage_work_rate", "retainage_materials_rate", "retainage_rules"),
    ),
    "overbilling": ("Overbilling", ("overbilling",)),
    "fieldsets": ("Fieldsets", BillingSettings.FIELDSETS),
    "emails": (
        "Emails",
        (
            "invite_message",
            "reminder_every_days",
            "reminder_on_due_date",
            "digest_enabled",
            "digest_weekday",
            "notify_on_approval",
            "distribution_list",
        ),
    ),
    "commitments": ("Commitment defaults", ("ssov_required", "payments_issued_enabled")),
}


@transaction.atomic
def billing_settings_update(*, project, section, data, acting_user):
    """Save one section of the project's settings from `data` (its fields; any other is
    refused), and record each field that changed, old → new as shown, with who and when.
    The other sections keep their values whatever `data` holds. Refused (ValidationError,
    nothing changed): a value out of range or a section's rule (_check_section)."""
    if section not in SETTINGS_SECTIONS:
        raise ValidationError(f"There is no section “{section}” of the settings.")
    names = SETTINGS_SECTIONS[section][1]
    if unknown := sorted(set(data) - set(names)):
        raise ValidationError(f"Not a setting of {SETTINGS_SECTIONS[section][0]}: {unknown[0]}.")
    billing_settings(project)  # made with the defaults on first use, then locked below
    settings = BillingSettings.objects.select_for_update().get(project=project)
    values = _section_values(section, {name: data[name] for name in names if name in data})
    before = {name: setting_shown(settings, name) for name in values}
    for name, value in values.items():
        setattr(settings, name, value)
    others = [field.name for field in BillingSettings._meta.fields if field.name not in values]
    settings.full_clean(exclude=others, validate_unique=False)
    _check_section(section, settings)
    changes = [
        BillingSettingsChange(
            billing_settings=settings,
            section=section,
            field=name,
            old_value=before[name],
            new_value=setting_shown(settings, name),
            changed_by=acting_user,
        )
        for name in values
        if setting_shown(settings, name) != before[name]
    ]
    if changes:
        settings.save(update_fields=[change.field for change in changes])
        BillingSettingsChange.objects.bulk_create(changes)
    return settings, changes


def _section_values(section, values):
    """The values as stored: the sliding scale as Contract.retainage_rules keeps it, the
    distribution list one address a line."""
    if "retainage_rules" in values:
        rules = [
            (Decimal(str(rule["from_percent"])), Decimal(str(rule["rate"])))
            if isinstance(rule, dict)
            else tuple(Decimal(str(value)) for value in rule)
            for rule in values["retainage_rules"]
        ]
        try:
            values["retainage_rules"] = retainage_rules_checked(rules)
        except ValidationError as error:
            raise ValidationError({"retainage_rules": error.messages}) from error
    if "distribution_list" in values:
        values["distribution_list"] = "\n".join(_addresses(values["distribution_list"]))
    return values


def _addresses(text):
    """Each address typed (one a line, or separated by commas or semicolons), once, in
    order; ValidationError naming the first that is not an email address."""
    text = (text or "").replace(",", "\n").replace(";", "\n")
    addresses = list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))
    validate = EmailValidator()
    for address in addresses:
        try:
            validate(address)
        except ValidationError as error:
            raise ValidationError(
                {"distribution_list": f"“{address}” is not an email address."}
            ) from error
    return addresses


def _check_section(section, settings):
    """The rules between a section's fields, each naming the field to correct."""
    if section == "periods":
        start, end, due = (
            settings.period_start_day,
            settings.period_end_day,
            settings.period_due_day,
        )
        if end >= start and not start <= due <= end:
            message = f"The due day must fall within the period: day {start} to {end}."
            raise ValidationError({"period_due_day": message})
        if end < start and end < due < start:
            # The period runs into the next month (the 26th to the 25th, say).
            raise ValidationError(
                {
                    "period_due_day": f"The due day must fall within the period: day {start} "
                    f"to day {end} of the next month."
                }
            )
        # Opening the next period closes the running one: never before that one is well
        # under way (docs/periods.md).
        most = {Frequency.WEEKLY: 6, Frequency.TWICE_A_MONTH: 12}.get(settings.period_frequency)
        if most is not None and settings.period_lead_days > most:
            label = settings.get_period_frequency_display().lower()
            raise ValidationError(
                {"period_lead_days": f"Periods made {label} are opened at most {most} days ahead."}
            )
    if section == "emails" and settings.digest_enabled and not settings.distribution_addresses:
        raise ValidationError(
            {"distribution_list": "The weekly digest goes to this list: add an address."}
        )


def setting_shown(settings, name):
    """A setting's value as a person reads it (the history's old and new values)."""
    field = BillingSettings._meta.get_field(name)
    value = getattr(settings, name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Decimal):
        return f"{percent_text(value)}%"
    if name == "retainage_rules":
        return (
            "; ".join(
                f"from {percent_text(rule['from_percent'])}% complete: "
                f"{percent_text(rule['rate'])}%"
                for rule in value
            )
            or "None"
        )
    if name == "distribution_list":
        return ", ".join(settings.distribution_addresses) or "None"
    return str(value) if value != "" else "None"


def invoice_number_take(*, project):
    """The project-wide pattern's next invoice number (prefix and padded number), or None
    when the project numbers per contract (docs/settings.md). The settings row is locked
    to the end of the caller's transaction: two invoices made at once never share one."""
    settings = BillingSettings.objects.select_for_update().filter(project=project).first()
    if settings is None or settings.numbering != BillingSettings.Numbering.PROJECT_PATTERN:
        return None
    settings.last_number += 1
    settings.save(update_fields=["last_number"])
    return f"{settings.number_prefix}{settings.last_number:0{settings.number_padding}d}"


@transaction.atomic
def periods_advance(*, project, today):
    """One step of the automatic cycle (docs/periods.md) for one project, run by the beat
    job as often as it likes: the open period whose end has passed is closed, and the next
    period is created and opened once `today` is within the lead days of its start. The
    result: the period created, or None. A project with automatic periods off is untouched.

    Exactly once, however many runs and beats: the next period is worked out from what
    the project had when this run read it; when another run (or an admin) added a period
    since, the insert hits period_unique_start or period_unique_position, caught in a
    savepoint: nothing is made and nothing fails. The insert waits for the project's lock,
    so it never races an admin's period_create, which checks its dates under that lock.
    """
    settings = billing_settings(project)
    if settings.period_frequency == Frequency.OFF:
        return None
    last = BillingPeriod.objects.filter(project=project).order_by("-position").first()
    dates = cycle.upcoming_period(cycle.Rules.of(settings), last, today)
    _lock_project(project)
    BillingPeriod.objects.filter(project=project, status=Status.OPEN, end_date__lt=today).update(
        status=Status.CLOSED
    )
    if today < dates.start - timedelta(days=settings.period_lead_days):
        return None
    if last is not None and last.start_date > today:
        # One period ahead at most: lead days longer than a period (20 days on weekly
        # periods) would otherwise open one after another ahead of the running one.
        return None
    try:
        with transaction.atomic():
            period = BillingPeriod.objects.create(
                project=project,
                position=(last.position if last else 0) + 1,
                start_date=dates.start,
                end_date=dates.end,
                due_date=dates.due,
                created_automatically=True,
            )
    except IntegrityError:
        logger.info("%s: the period starting %s exists already", project, dates.start)
        return None
    return period_open(period=period)
