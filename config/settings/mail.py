"""Django 6.1's MAILERS setting from one EMAIL_URL, e.g. smtp+tls://user:pass@host:587."""

from urllib.parse import parse_qs, unquote, urlsplit

BACKENDS = {
    "smtp": "config.smtp.EmailBackend",
    "smtp+tls": "config.smtp.EmailBackend",
    "smtps": "config.smtp.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "memory": "django.core.mail.backends.locmem.EmailBackend",
}


def mailer_from_url(url):
    """One MAILERS entry: file:///var/mail writes each message to a file in that folder."""
    parts = urlsplit(url)
    if parts.scheme not in BACKENDS:
        raise ValueError(f"EMAIL_URL: unknown scheme {parts.scheme!r}; use one of {list(BACKENDS)}")
    mailer = {"BACKEND": BACKENDS[parts.scheme]}
    if parts.scheme == "file":
        mailer["OPTIONS"] = {"file_path": unquote(parts.path)}
    elif parts.scheme.startswith("smtp"):
        mailer["OPTIONS"] = {
            "host": parts.hostname or "localhost",
            "port": parts.port or 25,
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_tls": parts.scheme == "smtp+tls",
            "use_ssl": parts.scheme == "smtps",
            # Seconds each exchange with the server may take (?timeout=5 in the URL).
            "timeout": int(parse_qs(parts.query).get("timeout", ["20"])[0]),
        }
    return mailer
