"""Fixtures of the Redis-outage suite: Redis made unreachable under the running code, or a real
``redis-server`` of the test's own that it stops and starts again empty."""

from __future__ import annotations

import pytest

from tests.outage.support import RedisServer, point_redis_at, redis_unreachable


@pytest.fixture
def redis_down(settings):
    """Every Redis call fails (nothing listens where the client points) until the test ends."""
    with redis_unreachable(settings):
        yield


@pytest.fixture
def own_redis(settings):
    """A ``redis-server`` on a spare port (no persistence) that the whole process uses — the
    django-redis pool and the channel layer — for this test; stopped and removed afterwards."""
    real = settings.REDIS_URL
    server = RedisServer()
    server.start()
    point_redis_at(settings, server.url)
    try:
        yield server
    finally:
        server.close()
        point_redis_at(settings, real)


@pytest.fixture(autouse=True)
def _quick_users_and_roomy_buckets(fast_hasher, generous_limits):
    """Users are made by the dozen and many requests come from one IP (buckets are tested elsewhere)."""
