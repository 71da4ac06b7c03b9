"""Fixtures of the Redis-outage suite: Redis made unreachable under the running code."""

from __future__ import annotations

import pytest

from tests.outage.support import redis_unreachable


@pytest.fixture
def redis_down(settings):
    """Every Redis call fails (nothing listens where the client points) until the test ends."""
    with redis_unreachable(settings):
        yield


@pytest.fixture(autouse=True)
def _quick_users_and_roomy_buckets(fast_hasher, generous_limits):
    """Users are made by the dozen and many requests come from one IP (buckets are tested elsewhere)."""
