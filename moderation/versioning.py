"""The moderation app's Redis keys: one version number for the admin-managed lists (sensitive
words, crisis phrases, care text). An edit bumps it on commit; every process compares it with
the version it compiled at most once per MODERATION_RELOAD_SECONDS and rebuilds when it moved.

Keys: ``treehole:moderation:lists:version`` (integer, never expires).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.conf import settings
from redis.exceptions import RedisError

from treehole.redis import get_redis, key

logger = logging.getLogger(__name__)

T = TypeVar("T")


def version_key() -> str:
    return key("moderation", "lists", "version")


def bump() -> int:
    """Tell every process that the lists changed (call on commit)."""
    return int(get_redis().incr(version_key()))


def current() -> int | None:
    """The version in Redis, None when Redis cannot answer.

    A missing key (a Redis restarted empty, or flushed) gets a fresh value rather than counting
    from 0 again: a process that compiled its lists at 0 would otherwise take the new 0 for
    "unchanged" and keep lists that were edited while the key was gone."""
    redis = get_redis()
    try:
        value = redis.get(version_key())
        if value is None:
            # Nanoseconds since the epoch: never a value an earlier key held (INCR starts low).
            redis.set(version_key(), time.time_ns(), nx=True)
            value = redis.get(version_key())
    except RedisError:
        logger.warning("Could not read the moderation lists' version from Redis")
        return None
    return int(value or 0)


class Reloading(Generic[T]):
    """A value built from the database (e.g. a compiled word matcher), rebuilt in this process
    when the Redis version moves. Asks Redis at most once per ``MODERATION_RELOAD_SECONDS``; when
    Redis is down it keeps serving what it has (and rebuilds from the database every interval
    instead of never)."""

    def __init__(self, build: Callable[[], T]):
        self._build = build
        self._lock = threading.Lock()
        self._value: T | None = None
        self._version: int | None = None
        self._checked_at = -1e18

    def get(self) -> T:
        now = time.monotonic()
        if self._value is not None and now - self._checked_at < settings.MODERATION_RELOAD_SECONDS:
            return self._value
        with self._lock:
            now = time.monotonic()
            if self._value is not None and now - self._checked_at < settings.MODERATION_RELOAD_SECONDS:
                return self._value
            version = current()
            if self._value is None or version is None or version != self._version:
                self._value = self._build()
                self._version = version
            self._checked_at = now
            return self._value

    def invalidate(self) -> None:
        """Rebuild on next use (this process; other processes follow the Redis version)."""
        with self._lock:
            self._value = None
            self._checked_at = -1e18
