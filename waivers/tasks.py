import logging

from celery import shared_task
from django_scopes import scope, scopes_disabled

from . import services
from .models import Waiver

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, soft_time_limit=120)
def render_waiver(self, waiver_id):
    """Make one waiver's PDF and email its link; on the PDF queue (settings)."""
    # A worker holds the waiver's id, not its company: found outside, worked on inside.
    with scopes_disabled():
        waiver = (
            Waiver.objects.select_related("invoice__contract__project__company")
            .filter(pk=waiver_id)
            .first()
        )
    if waiver is None:
        return
    with scope(company=waiver.invoice.contract.project.company):
        try:
            services.waiver_render(waiver_id)
        except Exception as error:
            logger.exception("Making waiver %s failed", waiver_id)
            services.waiver_failed(waiver_id, error)


@shared_task
def sweep_waivers():
    """Beat, every minute: waivers whose PDF job was lost are queued again (services)."""
    return services.waivers_sweep()
