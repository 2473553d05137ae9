"""A Redis server of the test's own, on a free port, that the test may stop and start
(the shared one on 6379 must never be stopped: others' tests use it)."""

import signal
import subprocess
import time

import redis

from tests.smtp import free_port


class RedisServer:
    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process = None

    def start(self):
        self._process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_timeout=1)
        for _ in range(100):
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def pause(self):
        """SIGSTOP: the kernel still accepts connections, the server never answers (a hung
        or swapped-out Redis, a half-open network path)."""
        self._process.send_signal(signal.SIGSTOP)

    def resume(self):
        self._process.send_signal(signal.SIGCONT)

    def flush(self):
        """Forget every queued job, as a Redis that restarted empty would."""
        redis.Redis(port=self.port, socket_timeout=1).flushall()

    def stop(self):
        if self._process is not None:
            self.resume()  # a stopped process would hold SIGTERM until continued
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
