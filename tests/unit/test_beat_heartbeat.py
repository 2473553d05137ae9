"""Beat's health check (config/beat.py): a heartbeat touched on every pass of its loop."""

import os
import time

from celery.beat import PersistentScheduler

from config import beat


def test_the_heartbeat_is_fresh_stale_or_missing(tmp_path):
    heartbeat = tmp_path / "heartbeat"
    assert not beat.is_alive(heartbeat)
    heartbeat.touch()
    assert beat.is_alive(heartbeat)
    old = time.time() - beat.HEARTBEAT_LIMIT - 1
    os.utime(heartbeat, (old, old))
    assert not beat.is_alive(heartbeat)


def test_every_pass_of_the_scheduler_touches_it(tmp_path, monkeypatch):
    heartbeat = tmp_path / "heartbeat"
    monkeypatch.setattr(beat, "HEARTBEAT", heartbeat)
    monkeypatch.setattr(PersistentScheduler, "tick", lambda self, *args, **kwargs: 42.0)
    scheduler = beat.HeartbeatScheduler.__new__(beat.HeartbeatScheduler)
    assert scheduler.tick() == 42.0
    assert beat.is_alive(heartbeat)
