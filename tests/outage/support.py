"""Helpers of the Redis-outage suite: point the running code at another Redis, and a real
``redis-server`` of the test's own that it can stop and start again (empty)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager

from treehole import ratelimit
from treehole import redis as treehole_redis
from treehole.testing.servers import free_port

DEAD_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def point_redis_at(settings, url: str) -> None:
    """Every Redis user of this process (the django-redis pool, the channel layer) now talks to
    ``url``; breakers and the limiter's log throttle start afresh."""
    from treehole.settings.redis import redis_caches, redis_channel_layers

    settings.REDIS_URL = url
    settings.CACHES = {**settings.CACHES, "default": redis_caches(url)}
    settings.CHANNEL_LAYERS = redis_channel_layers(url)
    treehole_redis.reset_client()
    treehole_redis.reset_breakers()
    ratelimit.reset_log_throttle()


@contextmanager
def redis_unreachable(settings):
    """Point the one Redis client at a port where nothing listens; put it back afterwards (the
    data in the real Redis is untouched)."""
    real = settings.REDIS_URL
    point_redis_at(settings, DEAD_URL)
    try:
        yield
    finally:
        point_redis_at(settings, real)


class RedisServer:
    """A ``redis-server`` of the test's own on a spare port, without persistence, so that a
    restart brings it back empty."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="treehole-outage-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.dir, "--protected-mode", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)

    def kill(self) -> None:
        """Stop it hard (SIGKILL: no clean shutdown, like a crash)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def restart_empty(self) -> None:
        self.kill()
        self.start()

    def close(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class CountingListener:
    """A TCP listener on a port that answers nothing: it accepts and at once closes every
    connection, counting them — a Redis that is "there" but broken, whose every connect the
    test can count."""

    def __init__(self, port: int):
        self.port = port
        self.accepted = 0
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", port))
        self._sock.listen(64)
        self._sock.settimeout(0.1)
        self._stop = False
        import threading

        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _addr = self._sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self._stop = True
        self._thread.join(5)
        self._sock.close()


def ws_communicator(token: str):
    """A WebSocket client of /ws/chat/ through the real ASGI stack (origin check, token auth)."""
    from channels.testing import WebsocketCommunicator

    from treehole.asgi import application

    headers = [(b"host", b"testserver"), (b"origin", b"http://testserver")]
    return WebsocketCommunicator(application, f"/ws/chat/?token={token}", headers=headers)
