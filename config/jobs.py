"""Queueing background jobs without letting the broker fail a request.

Every job has a row that remembers it (an OutgoingEmail, an InvoiceDocument), written in
the request's transaction. The job is given to the broker once that commits; a broker
that does not answer is logged, the row stays queued, and the periodic sweeps
(tenancy.tasks.sweep_emails, invoices.tasks.sweep_documents) queue it again once the
broker answers. Queued twice is harmless: a worker claims the row before working on it.
"""

import logging
from functools import partial

from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# A broker that is down answers "connection refused" at once; one short retry rides out a
# blip. A broker that hangs is cut off by the broker socket timeouts (settings,
# BROKER_SOCKET_TIMEOUT, 1 s for the connect and 1 s for an answer): two attempts bound
# the wait after commit to about 4 s at worst (about 1 s measured on a stopped Redis).
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0.1, "interval_step": 0, "interval_max": 0.1}


def queue_on_commit(task, *args):
    """Give the job to the broker once the current transaction commits (nothing if it
    rolls back)."""
    transaction.on_commit(partial(queue_now, task, *args))


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
