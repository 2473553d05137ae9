"""Queueing background jobs without letting the broker fail a request.

Every job has a row that remembers it (an OutgoingEmail, an InvoiceDocument), written in
the request's transaction. The job is given to the broker once that commits; a broker
that does not answer is logged, the row stays queued, and the periodic sweeps
(tenancy.tasks.sweep_emails, invoices.tasks.sweep_documents) queue it again once the
broker answers. Queued twice is harmless: a worker claims the row before working on it.
"""

import logging
import threading
from datetime import timedelta
from functools import partial

from celery.signals import task_prerun
from django.core.signals import request_started
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# A broker that is down answers "connection refused" at once; one short retry rides out a
# blip. A broker that hangs is cut off by the broker socket timeouts (settings,
# BROKER_SOCKET_TIMEOUT, 1 s for the connect and 1 s for an answer): two attempts bound
# the wait after commit to about 4 s at worst (about 1 s measured on a stopped Redis).
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0.1, "interval_step": 0, "interval_max": 0.1}


# One request (or job) that queues many jobs (an invitation per contact, say) tries the
# broker until it first fails, then leaves the rest to the sweep: each try against a hung
# broker costs its timeouts, and forty of them would outlast the web server's timeout.
_unit = threading.local()


def broker_failure_forget(**kwargs):
    """A new request or job tries the broker again."""
    _unit.broker_failed = False


request_started.connect(broker_failure_forget, dispatch_uid="jobs.broker_failure_forget")
task_prerun.connect(broker_failure_forget, dispatch_uid="jobs.broker_failure_forget")


def queue_on_commit(task, *args):
    """Give the job to the broker once the current transaction commits (nothing if it
    rolls back)."""
    transaction.on_commit(partial(_queue_after_commit, task, *args))


def _queue_after_commit(task, *args):
    if getattr(_unit, "broker_failed", False):
        logger.warning(
            "Job %s%r not queued (the broker did not answer earlier), the sweep will queue it",
            task.name,
            args,
        )
        return
    if not queue_now(task, *args):
        _unit.broker_failed = True


def queue_now(task, *args):
    """Give the job to the broker; False, logged, when the broker does not answer."""
    try:
        # A connection of its own, to the broker as configured now: nothing pooled from
        # before an outage, and a publish costs one connect (a millisecond on loopback).
        with task.app.connection_for_write() as connection:
            task.apply_async(args, connection=connection, retry=True, retry_policy=PUBLISH_RETRY)
    except OperationalError as error:
        logger.warning("Job %s%r not queued, the sweep will queue it: %s", task.name, args, error)
        return False
    except Exception:  # after commit nothing may fail the request: the row remembers the job
        logger.exception("Job %s%r not queued, the sweep will queue it", task.name, args)
        return False
    return True


# During a worker backlog every queued row is still waiting in the broker: re-publishing
# each at every sweep would pile copies up. The first re-publish comes after the grace,
# each next one after twice the interval before, up to an hour (a half-hour backlog: four
# copies of a row, not fifteen).
REPUBLISH_MAX_INTERVAL = timedelta(hours=1)


def republish(rows, *, grace, now):
    """The ids of the queued rows (a queryset with `queued_at`, `republished` and
    `republished_at`) whose turn to be given to the broker again has come, each marked
    as re-published now. Conditional per row: what a worker or another sweep changed
    meanwhile is left alone."""
    due = []
    for pk, queued_at, count, last in rows.filter(queued_at__lt=now - grace).values_list(
        "pk", "queued_at", "republished", "republished_at"
    ):
        fresh = last is None or last < queued_at  # queued anew since the last re-publish
        if not fresh and last >= now - min(grace * 2**count, REPUBLISH_MAX_INTERVAL):
            continue
        if rows.filter(pk=pk, queued_at=queued_at, republished_at=last).update(
            republished=1 if fresh else count + 1, republished_at=now
        ):
            due.append(pk)
    return due
