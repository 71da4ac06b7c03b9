"""The one way to run a side effect of a write: ``after_commit(effect, repair=Repair(...))``.

A write changes the database (the truth) and then tells the derived stores — Redis keys, the
channel layer, the task queue. Those calls must run only once the transaction has committed (a
rolled-back write leaves no trace, and no reader finds Redis ahead of the database), and they
must never turn a committed write into an error answer: the write happened. So ``after_commit``

- runs ``effect()`` when the current transaction commits (at once outside a transaction);
- catches whatever it raises and logs it — a Redis error as one line (an outage makes many),
  anything else with its traceback — and never raises into the request;
- when the effect failed and the caller named a ``repair``, records it in the database
  (``treehole.models.RedisRepair``): a module-level function of the app's Redis module and its
  JSON arguments that redoes the affected keys *from the database*, so it is right whenever it
  runs and running it twice is harmless.

Pending repairs run (``repairs_run``) from the periodic task ``treehole.tasks.redis_repairs``, from
the next side effect that succeeds in the same process (a blip is mended by the next write, not a
minute later), and by ``manage.py redis_repair``; ``manage.py rebuild_redis`` makes every pending
repair moot and clears them.

The shape follows Zulip's ``send_event_on_commit`` and Saleor's webhooks-on-commit: the event is
built inside the transaction, delivered after it by one helper, failures logged, never raised.

    from treehole.effects import Repair, after_commit

    after_commit(lambda: ranking.note_voted(state, ...), repair=Repair(ranking.note_repair, note.pk))
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
from collections.abc import Callable

from django.db import DatabaseError, connection, transaction
from django.utils.module_loading import import_string
from redis.exceptions import RedisError

from treehole import clock

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10  # a repair that fails this often for a reason other than Redis is dropped (logged)
INLINE_BATCH = 50  # repairs a request runs after its own effect succeeded; the periodic task does the rest


class Repair:
    """``Repair(function, *args)``: call ``function(*args)`` later to redo a failed effect.

    ``function`` must be importable by its dotted path (a module-level function) and ``args``
    JSON values: the repair is stored in the database and may run in another process."""

    __slots__ = ("task", "args")

    def __init__(self, function: Callable[..., object], *args):
        name = getattr(function, "__qualname__", "")
        if not name or "." in name or "<" in name:
            raise TypeError(f"A repair must be a module-level function, not {function!r}")
        self.task = f"{function.__module__}.{name}"
        self.args = list(args)
        json.dumps(self.args)  # fail here, inside the write, rather than when the effect failed

    @property
    def key(self) -> str:
        key = f"{self.task}:{json.dumps(self.args, separators=(',', ':'))}"
        if len(key) > 255:
            key = f"{self.task[:200]}:{hashlib.sha256(key.encode()).hexdigest()}"
        return key

    def __repr__(self) -> str:
        return f"Repair({self.task}, {self.args})"


_state = threading.local()
_pending_here = False  # this process recorded a repair that may not have run yet
_run_lock = threading.Lock()


def after_commit(effect: Callable[[], object], *, repair: Repair | None = None, using: str | None = None) -> None:
    """Run ``effect()`` after the current transaction commits; log (never raise) a failure and,
    when ``repair`` is given, record it to be redone from the database."""

    def run() -> None:
        if _run_effect(effect, repair):
            _repair_soon()

    transaction.on_commit(run, using=using)


def _run_effect(effect: Callable[[], object], repair: Repair | None) -> bool:
    try:
        effect()
    except RedisError as exc:
        logger.warning(
            "Side effect %s failed after commit (Redis: %s: %s); %s", _name(effect), exc.__class__.__name__, exc,
            "repair queued" if repair else "nothing to repair",
        )
    except Exception:  # noqa: BLE001 - the write is committed: an effect's bug must not undo the answer
        logger.exception("Side effect %s failed after commit; %s", _name(effect), "repair queued" if repair else "not repaired")
    else:
        return True
    if repair is not None:
        repair_later(repair)
    return False


def _name(effect: Callable[[], object]) -> str:
    return getattr(effect, "__qualname__", repr(effect))


def repair_later(repair: Repair) -> None:
    """Record ``repair`` (or renew it, when it is already pending). Safe to call anywhere; a
    database failure here is logged (``rebuild_redis`` is then the way back)."""
    global _pending_here
    from treehole.models import RedisRepair

    row = RedisRepair(key=repair.key, task=repair.task, args=repair.args, token=secrets.token_hex(8),
                      requested_at=clock.now())
    # MySQL/MariaDB upsert on any unique key (ON DUPLICATE KEY UPDATE); SQLite names the key.
    target = {"unique_fields": ["key"]} if connection.features.supports_update_conflicts_with_target else {}
    try:
        RedisRepair.objects.bulk_create([row], update_conflicts=True, update_fields=["token", "requested_at"], **target)
    except DatabaseError:
        logger.exception("Could not record %r; run `manage.py rebuild_redis` once Redis is back", repair)
        return
    _pending_here = True


def _repair_soon() -> None:
    """After an effect succeeded (Redis answers again), run a few of this process's repairs."""
    global _pending_here
    if not _pending_here or getattr(_state, "running", False) or not _run_lock.acquire(blocking=False):
        return
    try:
        _state.running = True
        _pending_here = False
        done, left = _run(limit=INLINE_BATCH)
        if left:
            _pending_here = True
    except Exception:  # noqa: BLE001 - a repair problem must not reach the request that happened to run it
        logger.exception("Running Redis repairs failed")
    finally:
        _state.running = False
        _run_lock.release()


def repairs_run(*, limit: int | None = None) -> int:
    """Run pending repairs, oldest first, until done, ``limit`` ran, or Redis fails again (the
    rest wait for the next run). Returns how many are done (a repair asked for again while it
    ran stays pending for the next run)."""
    done, _left = _run(limit=limit)
    return done


def _run(*, limit: int | None) -> tuple[int, bool]:
    from treehole.models import RedisRepair

    rows = RedisRepair.objects.order_by("id").values("id", "task", "args", "token", "attempts")
    batch = list(rows[: limit + 1] if limit is not None else rows)
    more = limit is not None and len(batch) > limit
    done = 0
    for row in batch[:limit]:
        try:
            import_string(row["task"])(*row["args"])
        except RedisError as exc:
            logger.warning("Redis repairs paused: Redis still failing (%s)", exc.__class__.__name__)
            return done, True
        except Exception:  # noqa: BLE001 - a broken repair must not block the others
            logger.exception("Redis repair %s%s failed", row["task"], tuple(row["args"]))
            if row["attempts"] + 1 >= MAX_ATTEMPTS:
                logger.error("Dropping Redis repair %s%s after %d attempts; run `manage.py rebuild_redis`",
                             row["task"], tuple(row["args"]), MAX_ATTEMPTS)
                RedisRepair.objects.filter(pk=row["id"]).delete()
            else:
                RedisRepair.objects.filter(pk=row["id"]).update(attempts=row["attempts"] + 1)
            continue
        # Only the request we ran: one renewed meanwhile (a newer failure) stays for the next run.
        deleted, _rows = RedisRepair.objects.filter(pk=row["id"], token=row["token"]).delete()
        done += deleted
    return done, more


def repairs_pending() -> int:
    from treehole.models import RedisRepair

    return RedisRepair.objects.count()


def repairs_clear(*, requested_before) -> int:
    """Forget repairs asked for before ``requested_before`` (``rebuild_redis`` redid everything
    from the database after that moment). Returns how many were removed."""
    from treehole.models import RedisRepair

    deleted, _rows = RedisRepair.objects.filter(requested_at__lt=requested_before).delete()
    return deleted
