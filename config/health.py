"""Liveness and readiness.

/health/ is the web's liveness: the database answers. Nothing else decides it: with Redis
or the workers down the site still works (jobs wait in their rows), and a load balancer
must not take the web out for that. /health/ready/ tells whether jobs are being done: the
broker, a worker that answers, how long the oldest queued job has waited, jobs stuck past
their deadline, and when beat last ran the sweeps."""

import redis
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.db.models import Min
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django_scopes import scopes_disabled
from kombu.exceptions import OperationalError

from config.celery import app

# A job queued longer than this (seconds) means the workers are not keeping up.
QUEUE_AGE_LIMIT = 300
PING_TIMEOUT = 1  # seconds
# Beat runs each sweep every minute: none for three minutes means beat is not running,
# and nothing would queue again what the broker lost or settle what a dead worker left.
# sweep_waivers queues again a lien waiver whose PDF job was lost (docs/waivers.md).
SWEEP_AGE_LIMIT = 180
SWEEPS = ("sweep_emails", "sweep_documents", "sweep_waivers")


@login_not_required
@never_cache
def health(request):
    """For load balancers and compose health checks: 200 when the database answers."""
    database = _check_database()
    return JsonResponse({"database": database}, status=200 if database == "ok" else 503)


@login_not_required
@never_cache
def readiness(request):
    """Whether background jobs get done: 200 when the broker and a worker answer and no
    job has waited longer than QUEUE_AGE_LIMIT; 503, with what is wrong, otherwise."""
    broker = _check_broker()
    checks = {"database": _check_database(), "broker": broker}
    checks["worker"] = {"ok": _check_worker, "inline": lambda: "inline"}.get(
        broker, lambda: "unknown"
    )()
    age = stuck_documents = stuck_emails = sweep = None
    if checks["database"] == "ok":
        age = _oldest_queued_age()
        stuck_documents, stuck_emails = _stuck()
        sweep = _last_sweep_age()
    checks["oldest_queued_job_seconds"] = age
    checks["stuck_documents"], checks["stuck_emails"] = stuck_documents, stuck_emails
    checks["last_sweep_seconds"] = sweep
    checks["beat"] = "no sweep has run" if sweep is None else f"last sweep {sweep} s ago"
    ready = (
        all(checks[name] in ("ok", "inline") for name in ("database", "broker", "worker"))
        and (age or 0) <= QUEUE_AGE_LIMIT
        and not stuck_documents
        and not stuck_emails
        # Inline (the embedded default) jobs run in the request: there is no beat.
        and (broker == "inline" or (sweep is not None and sweep <= SWEEP_AGE_LIMIT))
    )
    return JsonResponse(checks, status=200 if ready else 503)


def _check_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return f"error: {type(error).__name__}"
    return "ok"


def _check_broker():
    if app.conf.task_always_eager:
        return "inline"  # the embedded default: jobs run in the web process
    try:
        redis.Redis.from_url(app.conf.broker_url, socket_timeout=PING_TIMEOUT).ping()
    except redis.RedisError as error:
        return f"error: {type(error).__name__}"
    return "ok"


def _check_worker():
    try:
        with app.connection_for_write() as broker:
            replies = app.control.ping(timeout=PING_TIMEOUT, connection=broker)
    except OperationalError as error:
        return f"error: {type(error).__name__}"
    return "ok" if replies else "no worker answered"


def _oldest_queued_age():
    """Seconds the oldest job given to the broker has waited for a worker, or None."""
    from invoices.models import InvoiceDocument
    from tenancy.models import OutgoingEmail

    now = timezone.now()
    with scopes_disabled():  # readiness counts the jobs of every company
        oldest = [
            model.objects.filter(status="queued", queued_at__lte=now).aggregate(
                oldest=Min("queued_at")
            )["oldest"]
            for model in (OutgoingEmail, InvoiceDocument)
        ]
    oldest = [moment for moment in oldest if moment is not None]
    return round((now - min(oldest)).total_seconds()) if oldest else None


def _stuck():
    """Documents being made and emails being sent past their deadline: their attempt died
    and the sweep has not settled them (beat is not running, or the sweep fails)."""
    from invoices.documents import ABANDONED_AFTER
    from invoices.models import InvoiceDocument
    from tenancy.emails import SEND_DEADLINE
    from tenancy.models import OutgoingEmail

    now = timezone.now()
    with scopes_disabled():  # readiness counts the jobs of every company
        documents = InvoiceDocument.objects.filter(
            status=InvoiceDocument.Status.RENDERING, started_at__lt=now - ABANDONED_AFTER
        )
        emails = OutgoingEmail.objects.filter(
            status=OutgoingEmail.Status.SENDING, claimed_at__lt=now - SEND_DEADLINE
        )
        return documents.count(), emails.count()


def _last_sweep_age():
    """Seconds since the stalest of the sweeps last ran, or None if one never has."""
    from tenancy.models import SweepRun

    runs = dict(SweepRun.objects.filter(name__in=SWEEPS).values_list("name", "ran_at"))
    if len(runs) < len(SWEEPS):
        return None
    return int((timezone.now() - min(runs.values())).total_seconds())
