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

# A broker that is down answers "connection refused" at once; a short retry rides out a
# blip without holding the request up for long (about 0.3 s in all).
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.2}


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
    return True
