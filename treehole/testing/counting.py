"""Counting what a block of code sends to Redis, for exact round-trip assertions."""

from __future__ import annotations

import contextlib

import redis


@contextlib.contextmanager
def redis_round_trips():
    """Count round trips to Redis (a pipeline or a script is one) made in this block:
    ``with redis_round_trips() as calls: ...; assert calls["n"] == 2``."""
    calls = {"n": 0}
    original = redis.connection.AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):
        calls["n"] += 1
        return original(self, command, check_health)

    redis.connection.AbstractConnection.send_packed_command = counting
    try:
        yield calls
    finally:
        redis.connection.AbstractConnection.send_packed_command = original
