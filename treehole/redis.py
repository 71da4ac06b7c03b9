"""The one Redis client the apps share, and the key prefix every key carries.

Apps never build a client themselves: they call ``get_redis()`` and name keys with ``key(...)``
inside their own Redis module (``notes/ranking.py``, ``comments/cache.py``, ``chat/presence.py``).
In the embedded mode (no ``REDIS_URL``) the client talks to an in-process fakeredis server, which
runs the same Lua scripts, so the code path is identical to production.
"""

from __future__ import annotations

import threading

import redis
from django.conf import settings

_client: redis.Redis | None = None
_client_lock = threading.Lock()


def _build_client() -> redis.Redis:
    if settings.EMBEDDED_REDIS:
        from fakeredis import FakeConnection

        # Same host/port as the embedded django-redis cache, so both see one fake server.
        pool = redis.ConnectionPool(
            connection_class=FakeConnection, host="embedded", port=6379, decode_responses=True
        )
        return redis.Redis(connection_pool=pool)
    return redis.Redis.from_url(
        settings.REDIS_URL,
        decode_responses=True,
        socket_connect_timeout=2,
        socket_timeout=5,
        health_check_interval=30,
        max_connections=256,
    )


def get_redis() -> redis.Redis:
    """The process-wide client (its pool is thread-safe)."""
    global _client
    if _client is None:
        with _client_lock:
            if _client is None:
                _client = _build_client()
    return _client


def reset_client() -> None:
    """Forget the client (tests that switch REDIS_URL, or a forked process)."""
    global _client
    with _client_lock:
        if _client is not None:
            _client.close()
        _client = None


def key(*parts: object) -> str:
    """``key("note", "info", 42)`` -> ``"treehole:note:info:42"``."""
    return settings.REDIS_KEY_PREFIX + ":".join(str(part) for part in parts)


class LuaScript:
    """A Lua script run with EVALSHA, reloaded transparently on NOSCRIPT (e.g. after a restart).

    redis-py's ``register_script`` already does EVALSHA-then-SCRIPT LOAD; this wrapper only binds
    it lazily to the shared client so scripts can be module-level constants.
    """

    def __init__(self, source: str):
        self.source = source
        self._script = None
        self._bound_to = None

    def __call__(self, keys=(), args=(), client: redis.Redis | None = None):
        target = client or get_redis()
        if self._script is None or self._bound_to is not target:
            self._script = target.register_script(self.source)
            self._bound_to = target
        return self._script(keys=list(keys), args=list(args), client=client)
