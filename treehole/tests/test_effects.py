"""The one on-commit helper (treehole/effects.py): effects run after the commit, a failure is
logged and never raised, and a named repair is recorded and redone from the database."""

from __future__ import annotations

import logging

import pytest
import redis
from django.db import transaction

from treehole import effects
from treehole.effects import Repair, after_commit
from treehole.models import RedisRepair
from treehole.redis import get_redis, key

pytestmark = pytest.mark.django_db

DEAD = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)  # nothing listens on port 1


def mark(name: str) -> None:
    """A repair that leaves a trace in the real Redis."""
    get_redis().rpush(key("test", "repaired"), name)


def repaired() -> list[str]:
    return get_redis().lrange(key("test", "repaired"), 0, -1)


def fail_with_redis(*_args) -> None:
    DEAD.get("x")


def renew_while_running(name: str) -> None:
    """A repair during which the same repair is asked for again (a newer failure)."""
    mark(name)
    effects.repair_later(Repair(renew_while_running, name))


def broken(_name: str) -> None:
    raise ValueError("a bug in a repair")


def test_the_effect_runs_after_the_commit_and_not_on_rollback():
    ran = []
    with transaction.atomic():
        after_commit(lambda: ran.append("committed"))
        assert ran == []  # not before the commit
    assert ran == ["committed"]
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        after_commit(lambda: ran.append("rolled back"))
        1 / 0  # noqa: B018
    assert ran == ["committed"]


def test_a_redis_failure_is_logged_not_raised_and_its_repair_recorded(caplog):
    with caplog.at_level(logging.WARNING, logger="treehole.effects"), transaction.atomic():
        after_commit(fail_with_redis, repair=Repair(mark, "note-1"))
    assert "repair queued" in caplog.text
    assert "Traceback" not in caplog.text  # an outage logs one line per failure, not a stack
    row = RedisRepair.objects.get()
    assert (row.task, row.args) == ("treehole.tests.test_effects.mark", ["note-1"])
    assert effects.repairs_run() == 1
    assert repaired() == ["note-1"]
    assert RedisRepair.objects.count() == 0


def test_the_same_repair_asked_twice_is_one_row():
    effects.repair_later(Repair(mark, "same"))
    effects.repair_later(Repair(mark, "same"))
    effects.repair_later(Repair(mark, "other"))
    assert sorted(RedisRepair.objects.values_list("key", flat=True)) == [
        'treehole.tests.test_effects.mark:["other"]', 'treehole.tests.test_effects.mark:["same"]',
    ]
    assert effects.repairs_run() == 2
    assert sorted(repaired()) == ["other", "same"]


def test_a_repair_asked_again_while_it_runs_stays_for_the_next_run():
    effects.repair_later(Repair(renew_while_running, "n"))
    assert effects.repairs_run() == 0  # it ran, but a newer request came in meanwhile
    assert repaired() == ["n"]
    assert RedisRepair.objects.count() == 1
    row = RedisRepair.objects.get()
    row.task = "treehole.tests.test_effects.mark"  # the next run finds Redis fine and nothing new
    row.save()
    assert effects.repairs_run() == 1
    assert RedisRepair.objects.count() == 0


def test_repairs_wait_while_redis_still_fails():
    effects.repair_later(Repair(fail_with_redis, "a"))
    effects.repair_later(Repair(mark, "b"))
    assert effects.repairs_run() == 0  # the first still meets a dead Redis: the run stops there
    assert RedisRepair.objects.count() == 2
    assert repaired() == []


def test_a_broken_repair_is_retried_then_dropped(caplog):
    effects.repair_later(Repair(broken, "x"))
    effects.repair_later(Repair(mark, "y"))
    for attempt in range(1, effects.MAX_ATTEMPTS):
        assert effects.repairs_run() == (1 if attempt == 1 else 0)
        assert RedisRepair.objects.get().attempts == attempt
    with caplog.at_level(logging.ERROR, logger="treehole.effects"):
        assert effects.repairs_run() == 0
    assert "Dropping Redis repair" in caplog.text
    assert RedisRepair.objects.count() == 0
    assert repaired() == ["y"]


def test_a_bug_in_an_effect_is_logged_with_its_traceback_and_never_raised(caplog):
    with caplog.at_level(logging.ERROR, logger="treehole.effects"), transaction.atomic():
        after_commit(lambda: broken("effect"))
    assert "Traceback" in caplog.text and "a bug in a repair" in caplog.text
    assert RedisRepair.objects.count() == 0  # no repair named: nothing recorded


def test_the_next_successful_effect_of_the_process_runs_pending_repairs():
    with transaction.atomic():
        after_commit(fail_with_redis, repair=Repair(mark, "blip"))
    assert RedisRepair.objects.count() == 1
    with transaction.atomic():
        after_commit(lambda: get_redis().set(key("test", "ok"), "1"))
    assert repaired() == ["blip"]
    assert RedisRepair.objects.count() == 0


def test_a_repair_must_be_a_module_level_function_with_json_arguments():
    with pytest.raises(TypeError):
        Repair(lambda: None)
    with pytest.raises(TypeError):
        Repair(mark, object())


def test_rebuild_clears_the_repairs_asked_before_it():
    from datetime import datetime, timedelta, timezone

    from treehole import clock

    with clock.frozen(datetime(2026, 1, 1, tzinfo=timezone.utc)):
        effects.repair_later(Repair(mark, "before"))
        clock.advance(timedelta(seconds=1))
        started = clock.now()
        clock.advance(timedelta(seconds=1))
        effects.repair_later(Repair(mark, "during"))
    assert effects.repairs_clear(requested_before=started) == 1
    assert list(RedisRepair.objects.values_list("args", flat=True)) == [["during"]]
