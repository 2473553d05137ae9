"""Settings shared by every environment. Anything that differs comes from the environment."""

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.csp import CSP

from .mail import mailer_from_url

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "guardian",
    "tenancy",
    "permissions",
    "contracts",
    "billing",
    "invoices",
    "waivers",
    "compliance",
    "payments",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and htmx answers go out gzipped; static files are whitenoise's own, compressed
    # ahead (production's STORAGES). Above everything that reads or changes the body, as
    # Django's docs place it. BREACH: Django's gzip pads each response by a random length
    # and CSRF tokens are masked anew in every response (docs/tenancy.md, lists and
    # compression).
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tenancy.middleware.TenantMiddleware",
    # Last, so that a lockout answers before any view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "tenancy.context_processors.tenant",
            ],
        },
    },
    # The G703's rows, rendered on every load and cell save of an invoice (docs/invoices.md).
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "APP_DIRS": True,  # invoices/jinja2/
        "OPTIONS": {"environment": "config.jinja2.environment"},
    },
]


def database(url):
    """A DATABASES entry. On PostgreSQL, psycopg prepares the statements a connection
    repeats (from their fifth use; that needs server-side binding): the joins of each
    request's lookups are then planned once per connection instead of on every request.
    A deploy restarts the web workers after migrating, which drops statements prepared
    against the old tables.

    Behind PgBouncer in transaction mode (DATABASE_POOLER=pgbouncer) consecutive
    transactions of one connection may run on different server connections, so nothing may
    outlive a transaction on the server: no prepared statements (client-side binding,
    prepare_threshold None) and no server-side cursors for .iterator() (README, "Scaling
    out"). DATABASE_PREPARE_THRESHOLD=0 alone turns preparing off."""
    settings = env.db_url_config(url)
    if settings["ENGINE"] != "django.db.backends.postgresql":
        return settings
    if env("DATABASE_POOLER", default="") == "pgbouncer":
        settings.setdefault("OPTIONS", {})["prepare_threshold"] = None
        settings["DISABLE_SERVER_SIDE_CURSORS"] = True
        return settings
    threshold = env.int("DATABASE_PREPARE_THRESHOLD", default=5)
    if threshold:
        settings.setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=threshold
        )
    return settings


DATABASES = {
    "default": database(env("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"))
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "tenancy.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "tenancy.backends.UserBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Guardian: no anonymous user row, no patching of the user model. Access is decided by
# permissions.matrix from object grants alone; no model-wide (global) grant is ever given.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions live in the database alone: with Redis down, sign-in and every page still work.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# A bulk edit posts the id of each line it selects: every line of a 2,000-line invoice
# (docs/invoices.md, "Writing many lines"), where Django stops at 1,000 fields.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = int(timedelta(days=3).total_seconds())

# Repeated failed logins lock the account from that address for a while.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"  # the login form's field; it holds the email
# Failures are counted under the normalised email, as the login itself looks it up.
AXES_USERNAME_CALLABLE = "tenancy.backends.axes_username"
AXES_VERBOSE = False
# Lockouts count by the same client address as everything else (tenancy.client_ip).
AXES_CLIENT_IP_CALLABLE = "tenancy.client_ip.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/New_York"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")

# Django's own Content Security Policy: nothing inline, nothing from elsewhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
X_FRAME_OPTIONS = "DENY"

MAILERS = {"default": mailer_from_url(env("EMAIL_URL", default=f"file://{VAR_DIR / 'mail'}"))}
# Where links in emails point; emails are also sent by workers, outside any request.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Billwright <billing@billwright.test>")
# `manage.py seed_demo` makes accounts whose password the README publishes: production
# settings turn it off (seed_demo then refuses unless --force; README, "Deployment").
SEED_DEMO_ALLOWED = True
# How long an invitation-to-bill link lives.
INVITATION_DAYS = env.int("INVITATION_DAYS", default=14)

# Without Redis, jobs run inline in the web process: the embedded default of `make run`.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
# Renders (PDFs, compiled backups) have a queue of their own, consumed by workers that run
# one at a time (`celery -A config worker -Q pdf --concurrency=1`, Makefile `worker-pdf`):
# a 2,000-line PDF holds a few hundred MB while it renders, so a box's memory is bounded
# by its number of PDF workers. The other jobs (emails) use the default queue, `celery`,
# and never wait behind a render (docs/documents.md).
PDF_QUEUE = "pdf"
CELERY_TASK_ROUTES = {
    "invoices.tasks.render_document": {"queue": PDF_QUEUE},
    "waivers.tasks.render_waiver": {"queue": PDF_QUEUE},
}
# A job whose worker died unacknowledged goes back to the queue after this long. Twice
# the longest a job may run (a render is cut off at 330 s, invoices.tasks) and longer
# than the longest retry delay (an email's, 300 s): a job still running, or waiting for
# its retry, is never handed out a second time. Kombu's default is an hour.
# Kombu waits forever on a Redis that accepts connections and never answers (hung,
# swapped out, a half-open path): no retry policy can interrupt a blocked socket. A
# command to Redis on loopback or a LAN answers in a millisecond; one second without an
# answer is a broker that is not there, and a request that queues a job then waits about
# two seconds at most before leaving the job to the sweep (config.jobs). Kombu's BRPOP is
# read only once its answer is there, so the worker's long polls are unaffected.
BROKER_SOCKET_TIMEOUT = 1  # seconds
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 660,
    "socket_timeout": BROKER_SOCKET_TIMEOUT,
    "socket_connect_timeout": BROKER_SOCKET_TIMEOUT,
}
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_SOCKET_TIMEOUT
# Jobs the broker never got (it was down) or whose worker died are queued again.
CELERY_BEAT_SCHEDULE = {
    "sweep-emails": {"task": "tenancy.tasks.sweep_emails", "schedule": 60},
    "sweep-documents": {"task": "invoices.tasks.sweep_documents", "schedule": 60},
    # Reminders and digests: hourly, each sent once a day / week by a constraint.
    "send-reminders": {"task": "invoices.tasks.send_reminders", "schedule": 3600},
    "send-digests": {"task": "invoices.tasks.send_digests", "schedule": 3600},
    # Automatic billing periods (docs/periods.md): hourly, so a period opens within the
    # hour its day begins; a run more or fewer changes nothing.
    "billing-cycle": {"task": "billing.tasks.run_billing_cycle", "schedule": 3600},
    # Compliance documents about to expire (docs/compliance.md): daily, once per threshold.
    "compliance-expiry": {"task": "compliance.tasks.send_expiry_reminders", "schedule": 86400},
    # Lien waivers whose PDF job was lost (docs/waivers.md): queued again, once a sweep.
    "sweep-waivers": {"task": "waivers.tasks.sweep_waivers", "schedule": 60},
}
# The reverse proxies in front of the app whose X-Forwarded-For is believed: 0, none
# (REMOTE_ADDR is the client); N, the Nth address from its right (tenancy.client_ip).
# Set it to the number of proxies there are, never more: the rest of the header is the
# client's to write.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# A waiver's PDF not made this long after its job was queued is queued again, at most
# this many times, then shown as failed (waivers.services.waivers_sweep).
WAIVER_PDF_REQUEUE_MINUTES = env.int("WAIVER_PDF_REQUEUE_MINUTES", default=10)
WAIVER_PDF_MAX_REQUEUES = 3
# Beat's scheduler touches a heartbeat file on every pass of its loop, at least once a
# minute, which its health check reads (config/beat.py).
CELERY_BEAT_SCHEDULER = "config.beat.HeartbeatScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 60
# No Redis cache: nothing a page needs may stop working when Redis does (the default
# local-memory cache is per process, which is all any cache use here may assume).

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint reports every step of every render at INFO.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}
