"""The one Redis client, the key prefix every key carries, and the circuit breaker every caller shares.

**One client.** Redis is reached through django-redis: one connection pool, configured in
``CACHES["default"]`` (treehole/settings/redis.py), and ``get_redis()`` is that pool's client
(``django_redis.get_redis_connection``). Apps never build a client themselves: they call
``get_redis()`` and name keys with ``key(...)`` inside their own Redis module
(``notes/ranking/``, ``comments/cache.py``, ``chat/presence.py``, ``accounts/verification.py``).
In the embedded mode (no ``REDIS_URL``) the pool's connections are fakeredis', an in-process
server that runs the same Lua scripts, so the code path is the production one.

**Fail fast.** Redis is an index, never a single point of failure: every caller falls back to the
database or answers 503 when Redis errors (docs/resilience.md). What keeps that cheap is
``BreakerConnection``, the connection class of every pool that talks to a real Redis — the
django-redis pool, huey's and the channel layer's (``AsyncBreakerConnection``): sockets time out
after ``REDIS_SOCKET_CONNECT_TIMEOUT`` / ``REDIS_SOCKET_TIMEOUT``, and a failed connect or a timeout
*opens the breaker of that server* for ``REDIS_BREAKER_SECONDS``. While it is open no caller
connects at all — ``RedisUnavailable`` (a ``ConnectionError``) is raised at once, so an unreachable
Redis costs microseconds per call, not a connect timeout — and sockets opened before the failure
are dropped rather than trusted. When the time is up, one caller's connect is let through as the
probe: success closes the breaker for everyone, failure opens it again.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import redis
import redis.asyncio.connection as async_connection
from django.conf import settings
from django.core.signals import setting_changed
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)


class RedisUnavailable(RedisConnectionError):
    """Raised instead of connecting while the breaker of that Redis server is open."""


class Breaker:
    """The circuit breaker of one Redis server, shared by every pool and thread of the process."""

    def __init__(self, address: str):
        self.address = address
        self._lock = threading.Lock()
        self._open_until = 0.0  # time.monotonic(); 0.0 = closed
        self.generation = 0  # bumped on each trip: connections made before it are not reused
        self.connect_attempts = 0  # real connects tried (what an open breaker saves)
        self.trips = 0

    @property
    def is_open(self) -> bool:
        return self._open_until != 0.0

    def before_connect(self) -> None:
        """Raise ``RedisUnavailable`` while open; let one probe through when the time is up."""
        if self._open_until != 0.0:
            with self._lock:
                now = time.monotonic()
                if now < self._open_until:
                    raise RedisUnavailable(f"Redis at {self.address} is unavailable (circuit open after a failure)")
                if self._open_until != 0.0:
                    self._open_until = now + _cooldown()  # others keep failing fast while we probe
        self.connect_attempts += 1

    def trip(self, error: BaseException) -> None:
        with self._lock:
            if self._open_until == 0.0:
                self.generation += 1
                self.trips += 1
                logger.error(
                    "Redis at %s failed (%s: %s): failing fast for %.1fs at a time until it answers",
                    self.address, error.__class__.__name__, error, _cooldown(),
                )
            self._open_until = time.monotonic() + _cooldown()

    def succeeded(self) -> None:
        if self._open_until != 0.0:
            with self._lock:
                if self._open_until != 0.0:
                    self._open_until = 0.0
                    logger.warning("Redis at %s answers again", self.address)

    def reset(self) -> None:
        with self._lock:
            self._open_until = 0.0


def _cooldown() -> float:
    return float(settings.REDIS_BREAKER_SECONDS)


_breakers: dict[str, Breaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(address: str) -> Breaker:
    """The breaker of the server at ``address`` (``host:port`` or a socket path)."""
    found = _breakers.get(address)
    if found is None:
        with _breakers_lock:
            found = _breakers.setdefault(address, Breaker(address))
    return found


def reset_breakers() -> None:
    """Close every breaker (a test that brought its Redis back; nothing else needs it)."""
    for breaker in list(_breakers.values()):
        breaker.reset()


def _address(connection) -> str:
    path = getattr(connection, "path", None)
    return path or f"{connection.host}:{connection.port}"


_FAILURES = (RedisConnectionError, RedisTimeoutError, OSError)


class BreakerConnection(redis.connection.Connection):
    """A redis-py TCP connection that asks its server's breaker before connecting and trips it
    when a connect fails or a reply times out. (A reply cut off on a socket the server closed is
    not a trip by itself: redis-py reconnects once, and that connect decides.)"""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.breaker = breaker_for(_address(self))
        self._generation = -1

    def connect(self):
        # No retry around a connect: a refused or timed-out connect is the breaker's signal (the
        # command-level retry still redoes a command whose pooled socket the server had closed).
        self.connect_check_health(check_health=True, retry_socket_connect=False)

    def connect_check_health(self, check_health: bool = True, retry_socket_connect: bool = True):
        if self._sock:
            return
        self.breaker.before_connect()
        self._generation = self.breaker.generation  # before the handshake, which sends commands
        try:
            super().connect_check_health(check_health=check_health, retry_socket_connect=retry_socket_connect)
        except _FAILURES as exc:
            self.breaker.trip(exc)
            raise
        self.breaker.succeeded()

    def send_packed_command(self, command, check_health=True):
        if self._sock is not None and self._generation != self.breaker.generation:
            self.disconnect()  # opened before the last failure: reconnect (through the breaker)
        try:
            super().send_packed_command(command, check_health=check_health)
        except RedisTimeoutError as exc:
            self.breaker.trip(exc)
            raise

    def read_response(self, *args, **kwargs):
        try:
            return super().read_response(*args, **kwargs)
        except RedisTimeoutError as exc:
            self.breaker.trip(exc)
            raise


class AsyncBreakerConnection(async_connection.Connection):
    """The same for redis.asyncio (the channel layer's pools). A read with an explicit timeout
    that finds nothing (pub/sub polling) returns None and is not a failure."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.breaker = breaker_for(_address(self))
        self._generation = -1

    async def connect(self):
        await self.connect_check_health(check_health=True, retry_socket_connect=False)

    async def connect_check_health(self, check_health: bool = True, retry_socket_connect: bool = True):
        if self.is_connected:
            return
        self.breaker.before_connect()
        self._generation = self.breaker.generation
        try:
            await super().connect_check_health(check_health=check_health, retry_socket_connect=retry_socket_connect)
        except (*_FAILURES, asyncio.TimeoutError) as exc:
            self.breaker.trip(exc)
            raise
        self.breaker.succeeded()

    async def send_packed_command(self, command, check_health: bool = True):
        if self.is_connected and self._generation != self.breaker.generation:
            await self.disconnect()
        try:
            await super().send_packed_command(command, check_health=check_health)
        except RedisTimeoutError as exc:
            self.breaker.trip(exc)
            raise

    async def read_response(self, *args, **kwargs):
        try:
            return await super().read_response(*args, **kwargs)
        except RedisTimeoutError as exc:
            self.breaker.trip(exc)
            raise


def is_unavailable() -> bool:
    """True while the breaker of the site's Redis is open (a caller may skip optional work)."""
    pool = get_redis().connection_pool
    kwargs = pool.connection_kwargs
    address = kwargs.get("path") or f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"
    breaker = _breakers.get(address)
    return breaker is not None and breaker.is_open


# --- The client ------------------------------------------------------------------------------------

_client: redis.Redis | None = None
_client_lock = threading.Lock()


def get_redis() -> redis.Redis:
    """The process-wide client of the one pool (thread-safe)."""
    global _client
    client = _client
    if client is None:
        with _client_lock:
            if _client is None:
                from django_redis import get_redis_connection

                _client = get_redis_connection("default")
            client = _client
    return client


def reset_client() -> None:
    """Forget the client (the settings pointing at Redis changed); the next call builds it anew."""
    global _client
    with _client_lock:
        _client = None


def _settings_changed(*, setting: str, **_kwargs) -> None:
    if setting in ("CACHES", "REDIS_URL"):
        reset_client()


setting_changed.connect(_settings_changed)


class TextJSONSerializer:
    """django-redis serializer for a pool whose replies are already text (``decode_responses``):
    JSON in, JSON out, so the Django cache API on this alias works too — though nothing in the
    project uses it (cache-aside is treehole/cache.py on the raw client)."""

    def __init__(self, options=None):
        pass

    def dumps(self, value) -> bytes:
        import orjson

        return orjson.dumps(value)

    def loads(self, value):
        import orjson

        return orjson.loads(value)


def key(*parts: object) -> str:
    """``key("note", "info", 42)`` -> ``"treehole:note:info:42"``."""
    return settings.REDIS_KEY_PREFIX + ":".join(str(part) for part in parts)


class LuaScript:
    """A Lua script run with EVALSHA, reloaded transparently on NOSCRIPT (e.g. after a restart).

    redis-py's ``register_script`` already does EVALSHA-then-SCRIPT LOAD; this wrapper only binds
    it lazily to the shared client so scripts can be module-level constants. ``LuaScript(a, b)``
    joins several sources (a shared library, then the script that uses it).
    """

    def __init__(self, *sources: str):
        self.source = "\n".join(sources)
        self._script = None
        self._bound_to = None

    def __call__(self, keys=(), args=(), client: redis.Redis | None = None):
        target = client or get_redis()
        if self._script is None or self._bound_to is not target:
            self._script = target.register_script(self.source)
            self._bound_to = target
        return self._script(keys=list(keys), args=list(args), client=client)
