"""Polls: made with the note, one ballot per user changeable until it closes, results hidden until
you voted or it closed, counts exact under concurrent ballots and cached in the note's card."""

from __future__ import annotations

import json
import random
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count

from notes import ranking
from notes.models import Poll, PollBallot, PollChoice, PollOption
from notes.services import note_create, poll_recount, poll_vote
from treehole import clock
from treehole.redis import get_redis
from treehole.testing import assert_error, make_user, token_client

pytestmark = pytest.mark.django_db

POLL_KEYS = {"question", "options", "multiple", "closes_at", "my_choices", "total_voters", "closed"}


def poll_note(author, *, multiple=False, closes_at=None, options=("考研", "工作", "还没想好"), anonymous=True):
    return note_create(author=author, title="毕业去向", content="大家怎么选？", category="study", anonymous=anonymous,
                       poll={"question": "你会选哪条路？", "options": list(options), "multiple": multiple,
                             "closes_at": closes_at})


def option_ids(note) -> list[str]:
    return [str(pk) for pk in PollOption.objects.filter(poll_id=note.pk).order_by("position").values_list("pk", flat=True)]


def vote(client, note, ids):
    return client.put_json(f"/api/v1/notes/{note.pk}/poll/vote", {"option_ids": ids})


def test_a_poll_is_made_with_the_note_through_the_api(author, categories, api_client):
    client = token_client(author)
    closes = (clock.now() + timedelta(days=3)).replace(microsecond=0)
    response = client.post_json("/api/v1/notes", {
        "title": "周末去哪", "content": "投个票", "category": "life",
        "poll": {"question": " 去哪儿？ ", "options": ["爬山", "看展\u200b", "睡觉"], "multiple": True,
                 "closes_at": closes.isoformat()},
    })
    assert response.status_code == 201, response.content
    poll = response.json()["poll"]
    assert set(poll) == POLL_KEYS
    assert poll["question"] == "去哪儿？" and poll["multiple"] is True and poll["closed"] is False
    assert [o["text"] for o in poll["options"]] == ["爬山", "看展", "睡觉"]  # normalised (treehole/text.py)
    assert all(o["votes"] is None and o["id"].isdigit() for o in poll["options"])
    assert poll["my_choices"] == [] and poll["total_voters"] == 0
    assert poll["closes_at"] == closes.isoformat()
    # In every Note answer: the detail, the lists, a note without a poll says null.
    note_id = response.json()["id"]
    assert api_client.get_json(f"/api/v1/notes/{note_id}").json()["poll"] == poll
    listed = api_client.get_json("/api/v1/notes", {"order": "new"}).json()["results"]
    assert listed[0]["poll"] == poll
    plain = client.post_json("/api/v1/notes", {"title": "没有投票", "content": "只是说说", "category": "life"})
    assert plain.json()["poll"] is None


@pytest.mark.parametrize(
    ("poll", "field"),
    [
        ({"question": "问？", "options": ["只有一个"]}, "poll.options"),
        ({"question": "问？", "options": [str(i) for i in range(11)]}, "poll.options"),
        ({"question": "问？", "options": ["一样", "一样"]}, "poll.options"),
        ({"question": "问？", "options": ["好", "\u200b"]}, "poll.options"),
        ({"question": "", "options": ["好", "不好"]}, "poll.question"),
        ({"question": "问" * 201, "options": ["好", "不好"]}, "poll.question"),
        ({"question": "问？", "options": ["好", "长" * 101]}, "poll.options"),
        ({"question": "问？", "options": ["好", "不好"], "closes_at": "2020-01-01T00:00:00+00:00"}, "poll.closes_at"),
        ({"question": "问？", "options": ["好", "不好"], "closes_at": "2099-01-01T00:00:00"}, "poll.closes_at"),
        ({"question": "问？", "options": ["好", "不好"], "closes_at": "2099-01-01T00:00:00+00:00"}, "poll.closes_at"),
        ({"question": "问？", "options": "好,不好"}, "poll.options"),
    ],
)
def test_a_bad_poll_is_a_400_on_its_field_and_no_note_is_made(author, categories, poll, field):
    from notes.models import Note

    response = token_client(author).post_json("/api/v1/notes", {"title": "标题", "content": "内容", "category": "life", "poll": poll})
    error = assert_error(response, 400, "invalid")
    assert any(name.startswith(field) for name in error["fields"]), error
    assert not Note.objects.exists() and not Poll.objects.exists()


def test_results_appear_after_you_vote_and_the_ballot_can_change(author, other, categories, api_client):
    note = poll_note(author)
    first, second, third = option_ids(note)
    voter = token_client(other)
    answer = vote(voter, note, [first])
    assert answer.status_code == 200, answer.content
    poll = answer.json()
    assert set(poll) == POLL_KEYS
    assert poll["my_choices"] == [first] and poll["total_voters"] == 1
    assert [o["votes"] for o in poll["options"]] == [1, 0, 0]
    # Everyone else still sees no counts, only how many voted.
    for client in (api_client, token_client(author)):
        seen = client.get_json(f"/api/v1/notes/{note.pk}").json()["poll"]
        assert [o["votes"] for o in seen["options"]] == [None, None, None] and seen["total_voters"] == 1
        assert seen["my_choices"] == []
    # The voter changes their mind: still one ballot.
    poll = vote(voter, note, [second]).json()
    assert poll["my_choices"] == [second] and poll["total_voters"] == 1
    assert [o["votes"] for o in poll["options"]] == [0, 1, 0]
    assert vote(voter, note, [second]).json() == poll  # the same ballot again changes nothing
    assert PollBallot.objects.filter(poll_id=note.pk).count() == 1
    # Their own GET shows their choice and the counts.
    mine = voter.get_json(f"/api/v1/notes/{note.pk}").json()["poll"]
    assert mine["my_choices"] == [second] and [o["votes"] for o in mine["options"]] == [0, 1, 0]
    # A second voter.
    poll = vote(token_client(make_user()), note, [second]).json()
    assert [o["votes"] for o in poll["options"]] == [0, 2, 0] and poll["total_voters"] == 2
    # Withdrawing (an empty ballot) takes the vote back and hides the counts again.
    poll = vote(voter, note, []).json()
    assert poll["my_choices"] == [] and poll["total_voters"] == 1 and poll["options"][1]["votes"] is None


def test_single_and_multiple_choice(author, other, categories):
    single = poll_note(author)
    ids = option_ids(single)
    assert_error(vote(token_client(other), single, ids[:2]), 400, "invalid", "option_ids")
    assert_error(vote(token_client(other), single, ["123"]), 400, "invalid", "option_ids")
    assert_error(vote(token_client(other), single, ["x"]), 400, "invalid", "option_ids")
    multi = poll_note(author, multiple=True)
    ids = option_ids(multi)
    poll = vote(token_client(other), multi, [ids[2], ids[0], ids[0]]).json()
    assert sorted(poll["my_choices"]) == sorted([ids[0], ids[2]]) and poll["total_voters"] == 1
    assert [o["votes"] for o in poll["options"]] == [1, 0, 1]
    # Another poll's option is not this one's.
    assert_error(vote(token_client(other), single, [ids[0]]), 400, "invalid", "option_ids")


def test_a_closed_poll_shows_its_results_to_everyone_and_takes_no_ballot(author, other, categories, api_client):
    closes = clock.now() + timedelta(hours=1)
    note = poll_note(author, closes_at=closes)
    ids = option_ids(note)
    vote(token_client(other), note, [ids[0]])
    with clock.frozen(closes + timedelta(seconds=1)):
        poll = api_client.get_json(f"/api/v1/notes/{note.pk}").json()["poll"]
        assert poll["closed"] is True and [o["votes"] for o in poll["options"]] == [1, 0, 0]
        assert_error(vote(token_client(other), note, [ids[1]]), 409, "conflict")
        assert_error(vote(token_client(make_user()), note, [ids[1]]), 409, "conflict")
    assert PollChoice.objects.get(ballot__poll_id=note.pk).option_id == int(ids[0])


def test_voting_needs_a_poll_a_visible_note_and_a_signed_in_user(author, other, categories, api_client):
    from notes.services import note_set_hidden

    plain = note_create(author=author, title="无投票", content="内容", category="life")
    assert_error(vote(token_client(other), plain, []), 404, "not_found")
    note = poll_note(author)
    assert_error(api_client.put_json(f"/api/v1/notes/{note.pk}/poll/vote", {"option_ids": option_ids(note)[:1]}), 401, "unauthenticated")
    note_set_hidden(note_id=note.pk, hidden=True)
    assert_error(vote(token_client(other), note, option_ids(note)[:1]), 404, "not_found")


def test_the_counts_live_in_the_card_a_warm_read_costs_no_sql(author, other, categories, api_client, django_assert_num_queries):
    note = poll_note(author)
    ids = option_ids(note)
    api_client.get_json(f"/api/v1/notes/{note.pk}")  # the card is cached
    api_client.get_json("/api/v1/notes", {"order": "new"})  # and the list's set and count
    vote(token_client(other), note, [ids[1]])
    card = get_redis().hgetall(ranking.info_key(note.pk))
    assert json.loads(card["poll"])["options"][1]["votes"] == 1 and json.loads(card["poll"])["total_voters"] == 1
    with django_assert_num_queries(0):
        assert api_client.get_json(f"/api/v1/notes/{note.pk}").json()["poll"]["total_voters"] == 1
        listed = api_client.get_json("/api/v1/notes", {"order": "new"}).json()["results"][0]["poll"]
    assert listed["total_voters"] == 1
    # A card that is not cached when a ballot commits is filled from the database afterwards.
    get_redis().delete(ranking.info_key(note.pk))
    poll_vote(note_id=note.pk, user=make_user(), option_ids=[int(ids[1])])
    assert not get_redis().exists(ranking.info_key(note.pk))
    assert vote(token_client(other), note, [ids[1]]).json()["options"][1]["votes"] == 2


def test_a_late_card_update_never_overwrites_newer_counts(author, other, categories, api_client):
    note = poll_note(author)
    ids = option_ids(note)
    api_client.get_json(f"/api/v1/notes/{note.pk}")
    vote(token_client(other), note, [ids[0]])
    poll = Poll.objects.get(pk=note.pk)
    assert ranking.note_poll_changed(note.pk, version=poll.version - 1, poll='{"stale": true}') == -1
    assert json.loads(get_redis().hget(ranking.info_key(note.pk), "poll"))["total_voters"] == 1


def test_the_poll_never_reveals_who_voted(author, other, categories, api_client):
    note = poll_note(author, anonymous=True)
    vote(token_client(other), note, option_ids(note)[:1])
    for response in (api_client.get_json(f"/api/v1/notes/{note.pk}"), vote(token_client(make_user()), note, option_ids(note)[:1])):
        raw = response.content.decode()
        assert other.username not in raw and str(other.pk) not in raw and author.username not in raw


@pytest.mark.django_db(transaction=True)
def test_concurrent_ballots_keep_exact_counts_in_the_database_and_the_card(categories):
    author = make_user()
    note = poll_note(author, multiple=True, options=("甲", "乙", "丙", "丁"))
    ids = [int(i) for i in option_ids(note)]
    users = [make_user() for _ in range(24)]
    from django.test import Client

    Client().get(f"/api/v1/notes/{note.pk}")  # the card is cached: every ballot writes into it
    barrier = threading.Barrier(12)
    errors: list[BaseException] = []

    def voter(index):
        rng = random.Random(index)
        try:
            barrier.wait()
            for _ in range(15):
                choice = rng.sample(ids, rng.randint(0, 3))
                poll_vote(note_id=note.pk, user=rng.choice(users), option_ids=choice)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=voter, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    counted = dict(PollChoice.objects.filter(ballot__poll_id=note.pk).values("option_id").annotate(n=Count("pk"))
                   .values_list("option_id", "n"))
    stored = dict(PollOption.objects.filter(poll_id=note.pk).values_list("pk", "votes"))
    assert stored == {pk: counted.get(pk, 0) for pk in ids}
    poll = Poll.objects.get(pk=note.pk)
    assert poll.total_voters == PollBallot.objects.filter(poll=poll).count()
    assert poll.version > 0 and sum(stored.values()) > 0
    card = json.loads(get_redis().hget(ranking.info_key(note.pk), "poll"))
    assert {int(o["id"]): o["votes"] for o in card["options"]} == stored
    assert card["total_voters"] == poll.total_voters
    assert poll_recount(note_id=note.pk).version == poll.version  # nothing to correct


def test_poll_recount_repairs_counts_from_the_ballots(author, other, categories):
    note = poll_note(author)
    ids = option_ids(note)
    poll_vote(note_id=note.pk, user=other, option_ids=[int(ids[2])])
    PollOption.objects.filter(poll_id=note.pk).update(votes=7)
    Poll.objects.filter(pk=note.pk).update(total_voters=9)
    poll = poll_recount(note_id=note.pk)
    assert poll.total_voters == 1
    assert list(PollOption.objects.filter(poll_id=note.pk).order_by("position").values_list("votes", flat=True)) == [0, 0, 1]


def test_the_poll_is_in_the_openapi_schema_with_its_constraints(api_client):
    schema = api_client.get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    poll_in = components["PollIn"]["properties"]
    assert poll_in["options"]["minItems"] == 2 and poll_in["options"]["maxItems"] == 10
    assert poll_in["options"]["items"]["maxLength"] == 100 and poll_in["question"]["maxLength"] == 200
    assert set(components["PollOut"]["properties"]) == POLL_KEYS
    assert "/api/v1/notes/{note_id}/poll/vote" in schema["paths"]
    assert "poll" in components["NoteOut"]["required"]
