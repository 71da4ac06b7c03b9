"""The rankings: bounded top-N with seamless database paging, the 7-day vote window, a Redis flush,
rebuild_redis, visits and comment counters."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from django.core.management import call_command
from django.db import transaction

from notes import ranking
from notes.models import Note
from notes.services import (
    note_comment_count_add,
    note_recount,
    note_set_hidden,
    note_update,
    note_vote,
    visits_flush,
)
from treehole.testing import make_note, make_user
from treehole import clock
from treehole.redis import get_redis
from treehole.testing.lists import database_order, walk

pytestmark = pytest.mark.django_db


CROWD_START = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
IN_WINDOW = CROWD_START + timedelta(days=1)


@pytest.fixture
def small_top(settings):
    settings.NOTES_RANK_SIZE = 5


@pytest.fixture
def crowd(author, categories, small_top):
    """23 notes over two categories with varied votes, several with equal scores."""
    voters = [make_user() for _ in range(4)]
    rng = random.Random(7)
    start = CROWD_START
    notes = []
    for i in range(23):
        # Some notes share a creation second (equal base scores: the id breaks the tie).
        with clock.frozen(start + timedelta(seconds=(i // 2) * 500)):
            notes.append(make_note(author, category="study" if i % 3 else "life"))
    with clock.frozen(IN_WINDOW):
        for note in notes:
            for voter in voters:
                value = rng.choice((1, 1, 0, -1))
                if value:
                    note_vote(note_id=note.pk, user=voter, value=value)
    return notes


@pytest.mark.parametrize("order", ["hot", "new"])
@pytest.mark.parametrize("category", [None, "study"])
@pytest.mark.parametrize("size", [3, 4, 7])
def test_paging_across_the_redis_database_boundary_is_seamless(api_client, crowd, order, category, size):
    expected = database_order(order, category)
    assert walk(api_client, order, size, category) == expected  # builds the set on the way
    name = ranking.set_name("score" if order == "hot" else "time", category)
    assert ranking.set_state(name) == "top"
    assert get_redis().zcard(ranking.set_key(name)) == 5
    assert walk(api_client, order, size, category) == expected  # warm: Redis then the database


def test_the_top_stays_bounded_and_evicted_cards_go(api_client, crowd):
    walk(api_client, "hot", 5)
    walk(api_client, "new", 5)
    r = get_redis()
    ranked = {int(m) for name in ("time", "score") for m in r.zrange(ranking.set_key(name), 0, -1)}
    # Posting five new notes pushes older ones out of the "new" set.
    author = crowd[0].author
    fresh = [make_note(author, category="chat") for _ in range(5)]
    assert [int(m) for m in r.zrevrange(ranking.set_key("time"), 0, -1)] == [n.pk for n in reversed(fresh)]
    still = {int(m) for name in ("time", "score", "time:chat", "score:chat") for m in r.zrange(ranking.set_key(name), 0, -1)}
    # A card goes with its note's last place in a ranking (category sets included).
    evicted = [note_id for note_id in ranked - still if not any(
        r.zscore(ranking.set_key(f"{o}:{c}"), ranking.member(note_id)) for o in ("time", "score") for c in ("study", "life"))]
    assert evicted and not any(r.exists(ranking.info_key(note_id)) for note_id in evicted)
    assert walk(api_client, "new", 4) == database_order("new")


def test_a_vote_lifts_a_note_from_the_database_tail_into_the_top(api_client, crowd):
    walk(api_client, "hot", 5)
    tail_note = Note.objects.get(pk=int(database_order("hot")[-1]))
    with clock.frozen(IN_WINDOW):
        for _ in range(25):
            note_vote(note_id=tail_note.pk, user=make_user(), value=1)
    assert database_order("hot")[0] == str(tail_note.pk)
    assert get_redis().zrevrange(ranking.set_key("score"), 0, 0) == [ranking.member(tail_note.pk)]
    assert walk(api_client, "hot", 3) == database_order("hot")
    # And sinking it sends it back to the database side, still in order.
    with clock.frozen(IN_WINDOW):
        for _ in range(60):
            note_vote(note_id=tail_note.pk, user=make_user(), value=-1)
    assert ranking.member(tail_note.pk) not in get_redis().zrange(ranking.set_key("score"), 0, -1)
    assert walk(api_client, "hot", 3) == database_order("hot")


def test_hide_delete_and_category_change_keep_paging_seamless(api_client, author_client, crowd):
    walk(api_client, "hot", 4)
    walk(api_client, "new", 4, "study")
    order = database_order("hot")
    note_set_hidden(note_id=int(order[0]), hidden=True)
    author_client.delete_json(f"/api/v1/notes/{order[1]}")
    study = Note.objects.filter(category__slug="study", hidden=False).order_by("-created_at").first()
    note_update(note_id=study.pk, user=study.author, category="life")
    for o in ("hot", "new"):
        for c in (None, "study", "life"):
            assert walk(api_client, o, 4, c) == database_order(o, c)


def test_the_vote_window_with_a_controllable_clock(author, categories, api_client):
    created = datetime(2026, 5, 1, 8, 0, tzinfo=timezone.utc)
    early, late = make_user(), make_user()
    with clock.frozen(created):
        note = make_note(author)
        base = int(created.timestamp())
        assert note.score == base
        api_client.get_json("/api/v1/notes", {"order": "hot"})  # hot set built
        clock.advance(timedelta(days=6, hours=23))
        assert note_vote(note_id=note.pk, user=early, value=1).score == base + 500  # inside: moves the score
        clock.advance(timedelta(hours=2))  # 7 days and 1 hour after creation
        result = note_vote(note_id=note.pk, user=late, value=1)
        assert (result.approve, result.against, result.score) == (2, 0, base + 500)  # counted, not scored
        result = note_vote(note_id=note.pk, user=early, value=-1)
        assert (result.approve, result.against, result.score) == (1, 1, base + 500)  # the window kept +1
        result = note_vote(note_id=note.pk, user=early, value=0)
        assert (result.approve, result.against, result.score) == (1, 0, base + 500)
    note.refresh_from_db()
    assert (note.approve, note.against, note.score) == (1, 0, base + 500)
    assert note_recount(note_id=note.pk).score == base + 500  # the vote rows agree
    assert float(get_redis().zscore(ranking.set_key("score"), ranking.member(note.pk))) == base + 500


def test_the_voted_set_expires_when_the_window_closes(author, categories):
    created = datetime(2026, 6, 1, tzinfo=timezone.utc)
    with clock.frozen(created):
        note = make_note(author)
    r = get_redis()
    assert 7 * 86400 - 5 < r.ttl(ranking.voted_key(note.pk)) <= 7 * 86400
    with clock.frozen(created + timedelta(days=7) - timedelta(seconds=30)):
        call_command("rebuild_redis")
    assert 0 < r.ttl(ranking.voted_key(note.pk)) <= 30
    with clock.frozen(created + timedelta(days=7, seconds=1)):
        call_command("rebuild_redis")
    assert not r.exists(ranking.voted_key(note.pk))


def test_after_a_redis_flush_the_site_keeps_serving_and_repopulates(api_client, other_client, crowd, client):
    walk(api_client, "hot", 5)
    expected_hot, expected_new = database_order("hot"), database_order("new")
    get_redis().flushdb()
    assert walk(api_client, "hot", 4) == expected_hot
    assert walk(api_client, "new", 6, "study") == database_order("new", "study")
    note = crowd[3]
    assert api_client.get_json(f"/api/v1/notes/{note.pk}").status_code == 200
    assert other_client.put_json(f"/api/v1/notes/{note.pk}/vote", {"value": 1}).status_code == 200
    assert client.get("/").status_code == 200
    assert ranking.set_state("score") == "top" and ranking.set_state("time:study") == "top"
    note.refresh_from_db()
    assert float(get_redis().zscore(ranking.set_key("score"), ranking.member(note.pk)) or 0) in (0, note.score)
    assert walk(api_client, "new", 5) == expected_new


def test_with_redis_down_lists_and_notes_come_from_the_database(api_client, crowd, settings):
    from tests.outage.support import redis_unreachable

    expected = database_order("hot")
    with redis_unreachable(settings):
        assert walk(api_client, "hot", 10) == expected
        assert api_client.get_json(f"/api/v1/notes/{crowd[0].pk}").json()["id"] == str(crowd[0].pk)


def test_rebuild_redis_rebuilds_every_note_key(api_client, crowd, capsys):
    walk(api_client, "hot", 5)
    r = get_redis()
    note = crowd[0]
    r.hincrby(ranking.pending_visits_key(), str(note.pk), 3)  # not yet flushed: must survive
    r.zadd(ranking.set_key("score"), {ranking.member(note.pk): 1})  # corrupted
    call_command("rebuild_redis", "--recount")
    assert r.hget(ranking.pending_visits_key(), str(note.pk)) == "3"
    for category in (None, "study", "life", "help"):
        for order, name in (("hot", "score"), ("new", "time")):
            set_name = ranking.set_name(name, category)
            ids = [str(int(m)) for m in r.zrevrange(ranking.set_key(set_name), 0, -1)]
            assert ids == database_order(order, category)[:5]
            for note_id in ids:
                card = r.hgetall(ranking.info_key(note_id))
                row = Note.objects.get(pk=note_id)
                assert (card["score"], card["approve"], r.ttl(ranking.info_key(note_id))) == (str(row.score), str(row.approve), -1)
    assert walk(api_client, "hot", 3) == database_order("hot")
    assert "Redis rebuilt" in capsys.readouterr().out


def test_rebuild_runs_registered_steps(categories):
    from treehole import hooks

    calls = []

    def step(stdout=None):
        calls.append(stdout is not None)

    with hooks.register_temporarily("rebuild_redis", step):
        call_command("rebuild_redis")
    assert calls == [True]


def test_visits_are_counted_in_redis_and_flushed_to_the_database(api_client, note, settings):
    for _ in range(3):
        api_client.get_json(f"/api/v1/notes/{note.pk}")
    note.refresh_from_db()
    assert note.visits == 0
    assert visits_flush() == 3
    note.refresh_from_db()
    assert note.visits == 3
    assert not get_redis().exists(ranking.pending_visits_key(), ranking.flushing_visits_key())
    get_redis().delete(ranking.info_key(note.pk))  # a refill counts from the database
    assert api_client.get_json(f"/api/v1/notes/{note.pk}").json()["visits"] == 4
    # A flush interrupted after taking its batch is resumed by the next one.
    ranking.visits_take_batch()
    assert visits_flush() == 1
    note.refresh_from_db()
    assert note.visits == 4


def test_the_periodic_task_flushes(api_client, note):
    from notes.tasks import notes_flush_visits

    api_client.get_json(f"/api/v1/notes/{note.pk}")
    notes_flush_visits.call_local()
    note.refresh_from_db()
    assert note.visits == 1


def test_an_edit_schedules_the_delayed_second_delete(note, author):
    from huey.contrib.djhuey import HUEY

    before = len(HUEY.scheduled())
    note_update(note_id=note.pk, user=author, title="改")
    scheduled = HUEY.scheduled()
    assert len(scheduled) == before + 1
    assert scheduled[-1].name.endswith("note_card_delete_again") and scheduled[-1].args == (note.pk,)


def test_comment_counts_for_the_comments_app(api_client, note):
    api_client.get_json(f"/api/v1/notes/{note.pk}")
    with transaction.atomic():
        assert note_comment_count_add(note_id=note.pk, delta=1) == 1
    with transaction.atomic():
        note_comment_count_add(note_id=note.pk, delta=1)
    assert api_client.get_json(f"/api/v1/notes/{note.pk}").json()["comment_count"] == 2
    note.refresh_from_db()
    assert note.comment_count == 2
    assert ranking.note_info_incr_comments(note.pk, -1) == 1  # the bare atomic increment
