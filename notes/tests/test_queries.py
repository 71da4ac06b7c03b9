"""Exact SQL counts and constant Redis round trips on the hot paths."""

from __future__ import annotations

import pytest
from django.core.cache import caches

from notes import ranking
from notes.services import note_bookmark, note_follow, note_vote
from treehole.testing import make_note, make_user, redis_round_trips, token_client
from treehole.redis import get_redis

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_notes(author, categories):
    voter = make_user()
    notes = [make_note(author, category=("study" if i % 2 else "life")) for i in range(60)]
    for note in notes[::7]:
        note_vote(note_id=note.pk, user=voter, value=1)
    return notes


@pytest.mark.parametrize("order", ["hot", "new"])
def test_warm_page_one_is_zero_sql_and_constant_redis_round_trips(api_client, many_notes, order, django_assert_num_queries):
    api_client.get_json("/api/v1/notes", {"order": order, "size": 50})  # warm: builds the set, fills cards
    caches["pages"].clear()
    trips = {}
    for size in (1, 20, 50):
        for answer in ("built", "stored"):
            with django_assert_num_queries(0), redis_round_trips() as calls:
                response = api_client.get_json("/api/v1/notes", {"order": order, "size": size})
            assert response.status_code == 200 and len(response.json()["results"]) == size
            trips[size, answer] = calls["n"]
    # The limiter's script and the page's digest; a first answer also reads the page.
    assert {trips[size, "built"] for size in (1, 20, 50)} == {3}, trips
    assert {trips[size, "stored"] for size in (1, 20, 50)} == {2}, trips


def test_warm_category_page_one_is_zero_sql(api_client, many_notes, django_assert_num_queries):
    api_client.get_json("/api/v1/notes", {"order": "hot", "category": "study", "size": 30})
    trips = {}
    for size in (5, 30):
        for answer in ("built", "stored"):
            with django_assert_num_queries(0), redis_round_trips() as calls:
                response = api_client.get_json("/api/v1/notes", {"order": "hot", "category": "study", "size": size})
            assert len(response.json()["results"]) == size
            trips[size, answer] = calls["n"]
    # The limiter, the categories (the slug's check) and the digest; a first answer also checks
    # the slug again and reads the page.
    assert trips[5, "built"] == trips[30, "built"] == 5, trips
    assert trips[5, "stored"] == trips[30, "stored"] == 3, trips


def test_signed_in_page_one_adds_only_the_user_their_relations_and_votes(many_notes, django_assert_num_queries):
    reader = make_user()
    client = token_client(reader)
    note_vote(note_id=many_notes[-1].pk, user=reader, value=-1)
    note_bookmark(user=reader, note_id=many_notes[-2].pk)
    client.get_json("/api/v1/notes", {"order": "new", "size": 50})
    # Every note on the page is inside its vote window: Redis knows the votes. Two queries: the
    # user, and their follows and bookmarks among the page's notes (one query for both).
    with django_assert_num_queries(2):
        body = client.get_json("/api/v1/notes", {"order": "new", "size": 50}).json()
    assert body["results"][0]["my_vote"] == -1
    assert [n["bookmarked"] for n in body["results"][:3]] == [False, True, False]
    assert not any(n["following"] for n in body["results"])
    # When Redis does not know some votes (voted sets expired or gone): one more query, for the page.
    get_redis().delete(ranking.voted_key(many_notes[-1].pk), ranking.voted_key(many_notes[-2].pk))
    with django_assert_num_queries(3):
        body = client.get_json("/api/v1/notes", {"order": "new", "size": 50}).json()
    assert body["results"][0]["my_vote"] == -1


def test_warm_detail_is_zero_sql_and_one_round_trip(api_client, note, django_assert_num_queries):
    api_client.get_json(f"/api/v1/notes/{note.pk}")  # fills the card if it was not there
    with django_assert_num_queries(0), redis_round_trips() as calls:
        response = api_client.get_json(f"/api/v1/notes/{note.pk}")
    assert response.status_code == 200
    assert calls["n"] == 2


def test_warm_detail_signed_in_adds_only_the_user_and_their_relations(note, other, django_assert_num_queries):
    client = token_client(other)
    note_vote(note_id=note.pk, user=other, value=1)
    client.get_json(f"/api/v1/notes/{note.pk}")
    with django_assert_num_queries(2):  # the user; their follow and bookmark of it
        body = client.get_json(f"/api/v1/notes/{note.pk}").json()
    assert body["my_vote"] == 1 and body["following"] is False
    # A follower's visit also records when they last saw it ("我的关注" counts new floors after it).
    note_follow(user=other, note_id=note.pk)
    with django_assert_num_queries(3):
        assert client.get_json(f"/api/v1/notes/{note.pk}").json()["following"] is True


def test_cold_list_queries_do_not_grow_with_the_page(api_client, many_notes, django_assert_num_queries):
    api_client.get_json("/api/v1/notes", {"order": "hot", "size": 50})
    r = get_redis()
    for note in many_notes:
        r.delete(ranking.info_key(note.pk))  # every card gone (say, after edits)
    # The rows and their images in two queries, whatever the number of missing cards.
    with django_assert_num_queries(2):
        body = api_client.get_json("/api/v1/notes", {"order": "hot", "size": 50}).json()
    assert len(body["results"]) == 50


def test_polls_cost_no_query_warm_and_one_cold(author, categories, django_assert_num_queries):
    """A page of notes with polls: signed out, warm, still zero SQL; signed in, the viewer's
    choices come in the same query as their follows and bookmarks; cold, the options of every
    poll on the page in one more query."""
    from notes.services import note_create, poll_vote
    from notes.models import PollOption

    notes = [note_create(author=author, title=f"投票 {i}", content="选一个", category="life",
                         poll={"question": "选哪个？", "options": ["甲", "乙"]}) for i in range(6)]
    reader = make_user()
    for note in notes[::2]:
        poll_vote(note_id=note.pk, user=reader, option_ids=[PollOption.objects.filter(poll_id=note.pk).first().pk])
    from treehole.testing import ApiClient

    client, signed_out = token_client(reader), ApiClient()
    signed_out.get_json("/api/v1/notes", {"order": "new"})
    with django_assert_num_queries(0):
        body = signed_out.get_json("/api/v1/notes", {"order": "new"}).json()
    assert all(n["poll"]["options"][0]["votes"] is None for n in body["results"])
    client.get_json("/api/v1/notes", {"order": "new"})  # their filters are cached
    with django_assert_num_queries(2):  # the user; their follows, bookmarks and poll choices
        body = client.get_json("/api/v1/notes", {"order": "new"}).json()
    assert [bool(n["poll"]["my_choices"]) for n in body["results"]] == [False, True] * 3
    for note in notes:
        get_redis().delete(ranking.info_key(note.pk))
    with django_assert_num_queries(3):  # rows, images, poll options
        body = signed_out.get_json("/api/v1/notes", {"order": "new"}).json()
    assert [n["poll"]["total_voters"] for n in body["results"]] == [0, 1] * 3
