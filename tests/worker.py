"""A real Celery worker, in a thread of the test process, consuming from the real Redis."""

from contextlib import contextmanager

from celery.contrib.testing.worker import start_worker

from config.celery import app


@contextmanager
def celery_worker():
    """Jobs queued inside this block go through Redis to a worker instead of running inline.

    Use with `django_db(transaction=True)`: the worker has its own database connection and
    only sees committed rows.
    """
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield
    finally:
        app.conf.task_always_eager = True
