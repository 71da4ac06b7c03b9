"""只看洞主: ``only_author=true`` and the thread's switch show only the note author's floors, the
same from Redis and from the database, and tell nobody anything anonymity hides."""

from __future__ import annotations

import pytest
from django.test import Client

from comments import cache
from comments.services import comment_create, comment_delete
from treehole.redis import get_redis
from treehole.testing import ApiClient, make_note, make_user, token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/notes/{}/comments"


@pytest.fixture
def thread(author, other, categories):
    note = make_note(author, anonymous=True, title="一个人的夜晚", content="睡不着")
    third = make_user()
    floors = [
        comment_create(user=other, note_id=note.pk, content="抱抱"),
        comment_create(user=author, note_id=note.pk, content="谢谢你"),
        comment_create(user=third, note_id=note.pk, content="我也是"),
        comment_create(user=author, note_id=note.pk, content="后来睡着了"),
        comment_create(user=author, note_id=note.pk, content="这条我删了"),
        comment_create(user=author, note_id=note.pk, content="早上好"),
    ]
    comment_delete(user=author, comment_id=floors[4].pk)
    return note, floors


@pytest.mark.parametrize("redis_state", ["warm", "cold", "card_expired"])
def test_only_author_lists_the_note_authors_visible_floors(thread, redis_state):
    note, floors = thread
    client = ApiClient()
    client.get_json(URL.format(note.pk))  # fills the thread
    if redis_state == "cold":
        cache.invalidate(note.pk)
    elif redis_state == "card_expired":
        get_redis().delete(cache.card_key(floors[3].pk))
    body = client.get_json(URL.format(note.pk), {"only_author": "true"}).json()
    assert [c["floor"] for c in body["results"]] == [2, 4, 6]
    assert body["total"] == 3 and body["has_next"] is False
    assert all(c["author"]["display_name"] == "洞主" and c["author"]["is_note_author"] for c in body["results"])
    # Paged like any list.
    second = client.get_json(URL.format(note.pk), {"only_author": "true", "size": 2, "page": 2}).json()
    assert [c["floor"] for c in second["results"]] == [6] and second["total"] == 3
    # Without it, every floor (the deleted one kept, authorless).
    everything = client.get_json(URL.format(note.pk)).json()
    assert [c["floor"] for c in everything["results"]] == [1, 2, 3, 4, 5, 6]


def test_only_author_keeps_anonymity(thread, author, other):
    note, _floors = thread
    for client in (ApiClient(), token_client(other)):
        raw = client.get_json(URL.format(note.pk), {"only_author": "true"}).content.decode()
        assert author.username not in raw and str(author.pk) not in raw
        assert "这条我删了" not in raw  # the deleted floor is neither shown nor hinted at
    # The author sees their own floors marked as theirs, still with no id in them.
    raw = token_client(author).get_json(URL.format(note.pk), {"only_author": "true"}).content.decode()
    assert '"is_me":true' in raw.replace(" ", "") and str(author.pk) not in raw


def test_a_held_floor_of_the_author_shows_only_to_them(thread, author, other, settings):
    from comments.models import Comment

    note, floors = thread
    Comment.objects.filter(pk=floors[5].pk).update(held=True)
    cache.invalidate(note.pk)
    assert [c["floor"] for c in ApiClient().get_json(URL.format(note.pk), {"only_author": "true"}).json()["results"]] == [2, 4]
    mine = token_client(author).get_json(URL.format(note.pk), {"only_author": "true"}).json()["results"]
    assert [c["floor"] for c in mine] == [2, 4, 6]


def test_the_thread_page_has_the_switch(thread, author):
    note, _floors = thread
    html = Client().get(f"/notes/{note.pk}/").content.decode()
    assert "只看洞主" in html and "抱抱" in html and "6 条回应" in html
    html = Client().get(f"/notes/{note.pk}/", {"only_author": "1"}).content.decode()
    assert "洞主的 3 条回应" in html and "抱抱" not in html and "我也是" not in html
    assert "谢谢你" in html and "后来睡着了" in html and "早上好" in html
    assert 'href="?cpage=1&amp;only_author=1#comments" aria-current="page"' in html
    assert author.username not in html


def test_only_author_is_in_the_openapi_schema(api_client):
    schema = api_client.get("/api/v1/openapi.json").json()
    parameters = schema["paths"]["/api/v1/notes/{note_id}/comments"]["get"]["parameters"]
    only = next(p for p in parameters if p["name"] == "only_author")
    assert only["schema"]["type"] == "boolean" and only["required"] is False
