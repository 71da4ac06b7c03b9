"""Snowflake IDs: 41 bits of milliseconds since the project epoch, 10 bits of worker id and a
12-bit sequence, packed into a positive signed 64-bit integer.

Why not UUIDs or auto-increment: snowflakes sort by creation time (so "newest first" is an index
scan on the primary key), reveal nothing about row counts, and can be made by any process
without a round trip. They are serialized as strings because JavaScript numbers hold 53 bits.

A clock that steps backwards must never produce a duplicate: the generator never lets its own
notion of time go back. It keeps issuing IDs from the last millisecond it used (borrowing the
next millisecond when the sequence runs out) until the wall clock catches up.
"""

from __future__ import annotations

import threading
import time
from typing import Annotated

from django.conf import settings
from django.db import models
from pydantic import BeforeValidator, Field

EPOCH_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
WORKER_BITS = 10
SEQUENCE_BITS = 12
MAX_WORKER_ID = (1 << WORKER_BITS) - 1
MAX_SEQUENCE = (1 << SEQUENCE_BITS) - 1
TIMESTAMP_SHIFT = WORKER_BITS + SEQUENCE_BITS


class SnowflakeGenerator:
    def __init__(self, worker_id: int, clock=None):
        if not 0 <= worker_id <= MAX_WORKER_ID:
            raise ValueError(f"worker id must be in 0..{MAX_WORKER_ID}, got {worker_id}")
        self.worker_id = worker_id
        self._clock = clock or (lambda: time.time_ns() // 1_000_000)
        self._lock = threading.Lock()
        self._last_ms = -1
        self._sequence = 0

    def next_id(self) -> int:
        with self._lock:
            now_ms = self._clock()
            if now_ms > self._last_ms:
                self._last_ms = now_ms
                self._sequence = 0
            else:
                # Same millisecond, or the clock stepped back: continue from where we were.
                self._sequence += 1
                if self._sequence > MAX_SEQUENCE:
                    self._last_ms += 1
                    self._sequence = 0
            return ((self._last_ms - EPOCH_MS) << TIMESTAMP_SHIFT) | (
                self.worker_id << SEQUENCE_BITS
            ) | self._sequence


_generator: SnowflakeGenerator | None = None
_generator_lock = threading.Lock()


def configure(worker_id: int) -> None:
    """Set this process's worker id (gunicorn's post_fork hook calls it per worker)."""
    global _generator
    with _generator_lock:
        _generator = SnowflakeGenerator(worker_id)


def next_id() -> int:
    global _generator
    if _generator is None:
        with _generator_lock:
            if _generator is None:
                _generator = SnowflakeGenerator(settings.TREEHOLE_WORKER_ID)
    return _generator.next_id()


def id_worker(snowflake: int) -> int:
    return (snowflake >> SEQUENCE_BITS) & MAX_WORKER_ID


def parse_id(value: object) -> int | None:
    """A path or body id (decimal string or int) as an int, or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < (1 << 63) else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        number = int(value)
        return number if 0 < number < (1 << 63) else None
    return None


class SnowflakeField(models.BigIntegerField):
    """A BigIntegerField primary key filled with a snowflake on creation."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("primary_key", True)
        kwargs.setdefault("default", next_id)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)


def _id_as_text(value):
    """A JSON number is taken too (older clients sent ids as numbers); a bool is no id."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


# An id as the API takes it in a body or a query: a decimal string (the OpenAPI schema says so, so
# clients and the fuzzer send digits; ``parse_id`` still checks the range).
ID_PATTERN = r"^[0-9]{1,19}$"
IdString = Annotated[str, BeforeValidator(_id_as_text), Field(pattern=ID_PATTERN, examples=["7311828211384320001"])]
