import pytest

from config.settings.mail import mailer_from_url


def test_smtp_with_starttls_and_credentials():
    assert mailer_from_url("smtp+tls://me%40x.test:p%2Fss@smtp.x.test:587") == {
        "BACKEND": "config.smtp.EmailBackend",
        "OPTIONS": {
            "host": "smtp.x.test",
            "port": 587,
            "username": "me@x.test",
            "password": "p/ss",
            "use_tls": True,
            "use_ssl": False,
            "timeout": 20,
        },
    }


def test_implicit_tls():
    options = mailer_from_url("smtps://relay.x.test:465")["OPTIONS"]
    assert (options["use_ssl"], options["use_tls"], options["port"]) == (True, False, 465)


def test_files_in_a_folder():
    assert mailer_from_url("file:///srv/mail") == {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": "/srv/mail"},
    }


def test_an_unknown_scheme_is_refused():
    with pytest.raises(ValueError, match="unknown scheme 'smpt'"):
        mailer_from_url("smpt://typo")


def test_the_smtp_timeout_comes_from_the_url():
    assert mailer_from_url("smtp://127.0.0.1:2525?timeout=2")["OPTIONS"]["timeout"] == 2
