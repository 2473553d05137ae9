"""The DATABASES entry: prepared statements by default on PostgreSQL, none of what outlives
a transaction behind PgBouncer in transaction mode (README, "Scaling out"), and the
render queue's route (docs/documents.md)."""

from django.conf import settings

from config.settings.base import database

URL = "postgres://billwright@db:5432/billwright"


def test_postgresql_prepares_repeated_statements_by_default(monkeypatch):
    monkeypatch.delenv("DATABASE_POOLER", raising=False)
    monkeypatch.delenv("DATABASE_PREPARE_THRESHOLD", raising=False)
    entry = database(URL)
    assert entry["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 5}
    assert not entry.get("DISABLE_SERVER_SIDE_CURSORS")


def test_behind_pgbouncer_nothing_outlives_a_transaction(monkeypatch):
    monkeypatch.setenv("DATABASE_POOLER", "pgbouncer")
    entry = database(URL)
    assert entry["OPTIONS"] == {"prepare_threshold": None}  # client-side binding
    assert entry["DISABLE_SERVER_SIDE_CURSORS"] is True


def test_sqlite_is_left_alone(monkeypatch):
    monkeypatch.setenv("DATABASE_POOLER", "pgbouncer")
    entry = database("sqlite:////tmp/db.sqlite3")
    assert "DISABLE_SERVER_SIDE_CURSORS" not in entry
    assert not entry.get("OPTIONS")


def test_renders_go_to_their_own_queue():
    route = settings.CELERY_TASK_ROUTES["invoices.tasks.render_document"]
    assert route == {"queue": settings.PDF_QUEUE}
    assert settings.PDF_QUEUE != settings.CELERY_TASK_DEFAULT_QUEUE
