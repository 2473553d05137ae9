"""Beat's health check (docker-compose's `beat`, README). Beat answers no command (`celery
inspect` reaches workers only), and the sweeps' times that /health/ready/ reads need a
worker as well as beat. So the scheduler touches a file on every pass of its loop, which
runs at least once a minute (CELERY_BEAT_MAX_LOOP_INTERVAL), and `python -m config.beat`
exits non-zero once that file is older than HEARTBEAT_LIMIT: beat is stuck or gone."""

import sys
import tempfile
import time
from pathlib import Path

from celery.beat import PersistentScheduler

HEARTBEAT = Path(tempfile.gettempdir()) / "billwright-beat-heartbeat"
HEARTBEAT_LIMIT = 180  # seconds: three passes missed


class HeartbeatScheduler(PersistentScheduler):
    def tick(self, *args, **kwargs):
        HEARTBEAT.touch()
        return super().tick(*args, **kwargs)


def is_alive(path=HEARTBEAT, limit=HEARTBEAT_LIMIT):
    try:
        return time.time() - path.stat().st_mtime <= limit
    except FileNotFoundError:
        return False


if __name__ == "__main__":
    sys.exit(0 if is_alive() else 1)
