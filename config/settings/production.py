"""Production: everything from the environment, `manage.py check --deploy` clean."""

from .base import *  # noqa: F403
from .base import database, env

DEBUG = False
# The demo's accounts have a published password: never in a production database.
SEED_DEMO_ALLOWED = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

DATABASES = {"default": database(env("DATABASE_URL"))}
# A new connection per request costs more than the request itself: connections are kept
# (docs/invoices.md, "What a page and a cell save cost").
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# TLS ends at one proxy in front (docker-compose's caddy, deploy/Caddyfile), which sets
# X-Forwarded-Proto itself, replacing whatever the client sent; gunicorn is reachable only
# through it. So the header is trusted as the request's scheme: one hop, no further.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
# Off where other sites live under the same domain over plain http (README, Configuration).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_REFERRER_POLICY = "same-origin"

# Generated PDFs, backups and attachments: a local folder (MEDIA_ROOT) unless another
# storage is named, e.g. FILE_STORAGE_BACKEND=storages.backends.s3.S3Storage with its
# FILE_STORAGE_OPTIONS as JSON (install django-storages[s3] alongside).
STORAGES = {
    "default": {
        "BACKEND": env(
            "FILE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": env.json("FILE_STORAGE_OPTIONS", default={}),
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
