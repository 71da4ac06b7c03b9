"""Writes whose Redis side effects failed are repaired from the database (treehole/effects.py):
the rankings, cards, voted sets and comment threads a failed write left stale are right again."""

from __future__ import annotations

import pytest

from notes import ranking
from notes.services import note_vote
from treehole import effects
from treehole.models import RedisRepair
from treehole.redis import get_redis
from tests.outage.support import redis_unreachable
from treehole.testing import make_note

pytestmark = pytest.mark.django_db


def hot_ids(client) -> list[str]:
    return [n["id"] for n in client.get_json("/api/v1/notes", {"order": "hot", "size": 50}).json()["results"]]


def test_writes_during_a_blip_are_repaired_from_the_database(api_client, author, other, categories, settings):
    first = make_note(author, category="study")
    second = make_note(author, category="study")
    assert hot_ids(api_client) == [str(second.pk), str(first.pk)]  # the sets are built and complete

    with redis_unreachable(settings):
        late = make_note(author, category="study")  # committed; its ranking effect failed
        note_vote(note_id=first.pk, user=other, value=1)  # first is now the hottest
    assert sorted(RedisRepair.objects.values_list("args", flat=True)) == sorted([[late.pk], [first.pk]])

    # Redis kept its (now stale) sets: without the repair the new note is missing and the vote unseen.
    assert str(late.pk) not in hot_ids(api_client)

    assert effects.repairs_run() == 2
    assert hot_ids(api_client) == [str(first.pk), str(late.pk), str(second.pk)]
    detail = api_client.get_json(f"/api/v1/notes/{first.pk}").json()
    assert (detail["approve"], detail["score"]) == (1, first.score + 500)
    assert get_redis().exists(ranking.voted_key(first.pk)) == 0  # dropped: votes come from the database
    assert RedisRepair.objects.count() == 0


def test_a_delete_during_a_blip_is_repaired(api_client, author, categories, settings):
    from notes.services import note_delete

    kept = make_note(author)
    gone = make_note(author)
    assert hot_ids(api_client) == [str(gone.pk), str(kept.pk)]
    with redis_unreachable(settings):
        note_delete(note_id=gone.pk, user=author)
    assert effects.repairs_run() == 1
    assert hot_ids(api_client) == [str(kept.pk)]
    assert get_redis().exists(ranking.info_key(gone.pk)) == 0


def test_a_comment_during_a_blip_is_repaired(api_client, author, other, categories, settings):
    from comments.services import comment_create

    note = make_note(author)
    comment_create(user=other, note_id=note.pk, content="第一条")
    path = f"/api/v1/notes/{note.pk}/comments"
    assert api_client.get_json(path).json()["total"] == 1  # the thread is cached
    with redis_unreachable(settings):
        comment_create(user=other, note_id=note.pk, content="第二条")
    # The thread, the note's card (its comment count) and the note author's unread notification
    # count (the comment notified them; its cached count could not be dropped).
    assert effects.repairs_run() == 3
    page = api_client.get_json(path).json()
    assert [c["content"] for c in page["results"]] == ["第一条", "第二条"]
    assert api_client.get_json(f"/api/v1/notes/{note.pk}").json()["comment_count"] == 2
