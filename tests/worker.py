"""Real Celery workers: one in a thread of the test process, or a prefork worker process
(`celery -A config worker`) whose child a test can kill -9 as the out-of-memory killer
would."""

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection

from config.celery import app

BASE_DIR = Path(__file__).resolve().parent.parent
# A test's worker does every kind of job: this run's default queue and its render queue
# (production runs renders on workers of their own, docs/documents.md).
QUEUES = [settings.CELERY_TASK_DEFAULT_QUEUE, settings.PDF_QUEUE]


@contextmanager
def celery_worker():
    """Jobs queued inside this block go through Redis to a worker instead of running inline.

    Use with `django_db(transaction=True)`: the worker has its own database connection and
    only sees committed rows.
    """
    app.conf.task_always_eager = False
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=30, queues=QUEUES
        ):
            yield
    finally:
        app.conf.task_always_eager = True


@contextmanager
def broker(url):
    """Jobs of this test process go to the broker at `url`, not inline."""
    before = app.conf.broker_url
    app.conf.broker_url, app.conf.task_always_eager = url, False
    # The producer pool (used by `delay` and by worker pings) is made for the broker of
    # its first use: made again, for this one.
    del app.amqp
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager = before, True
        del app.amqp


class WorkerProcess:
    """A prefork worker with one child, on the test database and this run's queues."""

    def __init__(self, *, broker_url, email_url="console://", env=None):
        database = connection.settings_dict
        self.name = f"test-{uuid.uuid4().hex[:8]}@localhost"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": (
                f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
                f"{database['NAME']}"
            ),
            "REDIS_URL": broker_url,
            "EMAIL_URL": email_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CELERY_TASK_DEFAULT_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
            **(env or {}),
        }
        self._log = tempfile.NamedTemporaryFile("w+", suffix=".log")  # noqa: SIM115
        self._process = None

    def start(self, timeout=60):
        self._process = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "prefork"),
                *("-c", "1", "-Q", ",".join(QUEUES), "-n", self.name),
                *("--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info"),
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while " ready." not in self.log():
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"The worker did not start:\n{self.log()}")
            time.sleep(0.2)
        return self

    def log(self):
        return Path(self._log.name).read_text()

    def children(self):
        path = Path(f"/proc/{self._process.pid}/task/{self._process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def kill_child(self):
        """kill -9 the pool's child process, as the out-of-memory killer would."""
        [child] = self.children()
        os.kill(child, signal.SIGKILL)
        return child

    def stop(self):
        if self._process is None:
            return
        self._process.terminate()  # warm shutdown
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()
        self._process = None
        self._log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
