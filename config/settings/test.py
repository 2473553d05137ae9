"""`make test`: real PostgreSQL and Redis on this machine."""

import uuid

from .base import *  # noqa: F403
from .base import VAR_DIR, database, env

SECRET_KEY = "test-only-not-secret-" + "x" * 40
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
DATABASES = {
    "default": database(
        env("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/billwright")
    )
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/1")
KEY_PREFIX = f"test-{uuid.uuid4().hex[:8]}"
CELERY_BROKER_URL = REDIS_URL
# Jobs run inline unless a test starts a real worker (tests/worker.py); a queue of its own
# per run keeps a stale message from an earlier run from reaching this run's worker.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default=f"billwright-{KEY_PREFIX}")
PDF_QUEUE = f"{CELERY_TASK_DEFAULT_QUEUE}-pdf"
CELERY_TASK_ROUTES = {"invoices.tasks.render_document": {"queue": PDF_QUEUE}}
# A worker process started by a test makes each render last this long, so that the test
# can kill it in the middle of one.
TEST_RENDER_SECONDS = env.float("TEST_RENDER_SECONDS", default=0)
# A worker process started by a test kills itself in every render, as the out-of-memory
# killer would on a huge invoice (never set in the test process itself).
TEST_RENDER_KILLS_WORKER = env.bool("TEST_RENDER_KILLS_WORKER", default=False)

MEDIA_ROOT = VAR_DIR / "test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
