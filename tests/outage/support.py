"""Helpers of the Redis-outage suite."""

from __future__ import annotations

from contextlib import contextmanager

from treehole import ratelimit
from treehole import redis as treehole_redis

DEAD_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@contextmanager
def redis_unreachable(settings):
    """Point the one Redis client at a port where nothing listens; put it back afterwards (the
    data in the real Redis is untouched)."""
    real = settings.REDIS_URL
    settings.REDIS_URL = DEAD_URL
    treehole_redis.reset_client()
    try:
        yield
    finally:
        settings.REDIS_URL = real
        treehole_redis.reset_client()
        ratelimit.reset_breaker()
