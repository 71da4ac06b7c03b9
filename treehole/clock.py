"""The project's one clock: ``clock.now()`` instead of ``timezone.now()`` wherever time decides
behaviour (the notes' 7-day vote window, creation times), so tests can move time by hand.

    from treehole import clock
    with clock.frozen(datetime(2026, 1, 1, tzinfo=timezone.utc)):
        ...
        clock.advance(timedelta(days=8))

The override is process-wide (not thread-local) on purpose: tests that run threads see the same
time as the test body.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import models
from django.utils import timezone

_lock = threading.Lock()
_frozen: datetime | None = None


def now() -> datetime:
    """The current aware datetime (UTC), or the frozen one in tests."""
    frozen = _frozen
    return frozen if frozen is not None else timezone.now()


def set_now(value: datetime | None) -> None:
    """Freeze the clock at ``value`` (aware), or unfreeze it with None."""
    global _frozen
    if value is not None and timezone.is_naive(value):
        raise ValueError("clock.set_now needs an aware datetime")
    with _lock:
        _frozen = value


def advance(delta: timedelta) -> datetime:
    """Move a frozen clock forward (freezing it at the real time first when it was running)."""
    global _frozen
    with _lock:
        _frozen = (_frozen or timezone.now()) + delta
        return _frozen


@contextmanager
def frozen(value: datetime | None = None) -> Iterator[None]:
    """Freeze the clock (at ``value``, default the real now) for the block, then restore it."""
    global _frozen
    with _lock:
        previous = _frozen
        _frozen = value or timezone.now()
    try:
        yield
    finally:
        with _lock:
            _frozen = previous


class DateTimeField(models.DateTimeField):
    """``auto_now`` / ``auto_now_add`` stamped from this clock (Django's own read ``timezone.now``);
    use ``default=clock.now`` for a plain creation time."""

    def pre_save(self, model_instance, add):
        if self.auto_now or (self.auto_now_add and add):
            value = now()
            setattr(model_instance, self.attname, value)
            return value
        return super().pre_save(model_instance, add)

