import logging

from celery import shared_task
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from tenancy.models import Project

from . import services
from .models import BillingSettings

logger = logging.getLogger(__name__)


@shared_task
def run_billing_cycle():
    """Beat, hourly: each project with automatic periods gets its next period on time
    (docs/periods.md, the automatic cycle). Safe to run twice, or on two beats at once:
    periods_advance makes each period once."""
    today = timezone.localdate()
    # The job serves every company: the projects are listed outside any tenant scope, and
    # each one's periods are then written inside its own company's scope, as a request
    # of that company would (docs/tenancy.md).
    with scopes_disabled():
        projects = list(
            Project.objects.exclude(billing_settings__isnull=True)
            .exclude(billing_settings__period_frequency=BillingSettings.Frequency.OFF)
            .select_related("company")
            .order_by("pk")
        )
    for project in projects:
        with scope(company=project.company):
            try:
                services.periods_advance(project=project, today=today)
            except Exception:
                # One project's failure must not hold up the others; the next run retries.
                logger.exception("The billing cycle failed for project %s", project.pk)
