"""The configuration holds: migrations match the models, production passes check --deploy,
the health endpoint tells the truth, and the embedded `make run` default does not rot."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "a-production-like-secret-key-that-is-long-and-random-1234567890abcdef",
    "ALLOWED_HOSTS": "billing.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/billwright",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587",
}


def clean_environment(**overrides):
    """This process's environment without what the browser tests relax, plus overrides."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {**env, **overrides}


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean_environment(**env),
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.django_db
def test_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_production_settings_pass_check_deploy():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_generated_files_go_to_the_storage_the_environment_names(tmp_path):
    """A local folder by default; another backend (object storage) by configuration."""
    show = "from django.core.files.storage import default_storage as s; print(s.location)"
    result = manage(
        "shell",
        "-c",
        show,
        env=PRODUCTION_ENV
        | {
            "FILE_STORAGE_BACKEND": "django.core.files.storage.FileSystemStorage",
            "FILE_STORAGE_OPTIONS": f'{{"location": "{tmp_path}"}}',
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(tmp_path)


@pytest.mark.django_db
def test_health_is_the_webs_liveness_and_ignores_redis(client, settings):
    """With Redis down the site works (jobs wait in their rows): the web stays in."""
    assert client.get("/health/").json() == {"database": "ok"}
    settings.REDIS_URL = settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"database": "ok"}


def test_the_demo_seeds_and_serves_on_sqlite_with_inline_jobs(tmp_path):
    """`make run`'s configuration, end to end: migrate, seed twice, every login works."""
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "EMAIL_URL": f"file://{tmp_path / 'mail'}",
        "REDIS_URL": "",
    }
    for args in [("migrate", "--no-input"), ("seed_demo",), ("seed_demo",)]:
        result = manage(*args, env=env)
        assert result.returncode == 0, result.stdout + result.stderr
    assert "admin@demo.test" in result.stdout
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "demo_smoke.py")],
        cwd=ROOT,
        env=clean_environment(**env),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "demo pages ok" in result.stdout
