"""Visits counted in Redis (``note:visits:pending``) and the batch the periodic flush writes to
the database (``note:visits:flushing``, resumed after a crash)."""

from __future__ import annotations

from notes.ranking import keys, scripts
from treehole.redis import get_redis


def visits_take_batch() -> dict[int, int]:
    """The visits to write to the database (moved aside atomically; resumed after a crash)."""
    flat = scripts.VISITS_TAKE(keys=[keys.pending_visits_key(), keys.flushing_visits_key()])
    return {int(flat[i]): int(flat[i + 1]) for i in range(0, len(flat), 2)}


def visits_batch_done() -> None:
    get_redis().delete(keys.flushing_visits_key())
