"""Follow (关注) and bookmarks (收藏): the endpoints, who follows by default, idempotence and the
lists, against MariaDB and Redis."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from notes.models import Bookmark, Follow
from notes.services import note_set_held, note_set_hidden, note_unfollow
from treehole.testing import ApiClient, assert_error, make_note, make_user, token_client

pytestmark = pytest.mark.django_db


def relation(client, note_id) -> tuple[bool, bool]:
    body = client.get_json(f"/api/v1/notes/{note_id}").json()
    return body["following"], body["bookmarked"]


@pytest.mark.parametrize("what", ["follow", "bookmark"])
def test_put_and_delete_are_idempotent(other_client, other, note, what):
    model = Follow if what == "follow" else Bookmark
    url = f"/api/v1/notes/{note.pk}/{what}"
    for _ in range(2):
        response = other_client.put_json(url)
        assert response.status_code == 204 and response.content == b""
        assert model.objects.filter(user=other, note=note).count() == 1
    assert relation(other_client, note.pk) == ((True, False) if what == "follow" else (False, True))
    for _ in range(2):
        assert other_client.delete_json(url).status_code == 204
        assert not model.objects.filter(user=other, note=note).exists()
    assert relation(other_client, note.pk) == (False, False)


@pytest.mark.parametrize("what", ["follow", "bookmark"])
@pytest.mark.parametrize("method", ["put_json", "delete_json"])
def test_failures_change_nothing(other_client, note, categories, what, method):
    assert_error(getattr(ApiClient(), method)(f"/api/v1/notes/{note.pk}/{what}"), 401, "unauthenticated")
    assert_error(getattr(other_client, method)(f"/api/v1/notes/123456789/{what}"), 404, "not_found")
    assert_error(getattr(other_client, method)(f"/api/v1/notes/not-an-id/{what}"), 404, "not_found")
    bad_token = ApiClient(token="garbage")
    assert_error(getattr(bad_token, method)(f"/api/v1/notes/{note.pk}/{what}"), 401, "unauthenticated")
    assert Follow.objects.exclude(user=note.author).count() == 0
    assert Bookmark.objects.count() == 0


@pytest.mark.parametrize("what", ["follow", "bookmark"])
def test_hidden_notes_cannot_be_followed_but_staff_and_own_held_can(other_client, author_client, staff, categories,
                                                                      author, what):
    hidden = make_note(author)
    note_set_hidden(note_id=hidden.pk, hidden=True)
    assert_error(other_client.put_json(f"/api/v1/notes/{hidden.pk}/{what}"), 404, "not_found")
    assert token_client(staff).put_json(f"/api/v1/notes/{hidden.pk}/{what}").status_code == 204
    held = make_note(author)
    note_set_held(note_id=held.pk, held=True)
    assert author_client.put_json(f"/api/v1/notes/{held.pk}/{what}").status_code == 204
    assert_error(other_client.put_json(f"/api/v1/notes/{held.pk}/{what}"), 404, "not_found")
    # Unfollowing a hidden note you follow still works (it exists).
    assert token_client(staff).delete_json(f"/api/v1/notes/{hidden.pk}/{what}").status_code == 204


def test_signed_out_callers_see_false(api_client, note):
    assert relation(api_client, note.pk) == (False, False)
    body = api_client.get_json("/api/v1/notes", {"order": "new"}).json()
    assert [(n["following"], n["bookmarked"]) for n in body["results"]] == [(False, False)]


def test_the_author_follows_their_note_and_can_unfollow(author_client, author, categories):
    response = author_client.post_json("/api/v1/notes", {"title": "t", "content": "c", "category": "emotion"})
    assert response.status_code == 201
    assert response.json()["following"] is True and response.json()["bookmarked"] is False
    note_id = response.json()["id"]
    assert Follow.objects.filter(user=author, note_id=note_id).count() == 1
    assert author_client.delete_json(f"/api/v1/notes/{note_id}/follow").status_code == 204
    assert relation(author_client, note_id) == (False, False)


def test_a_commenter_follows_on_their_first_comment_only(other_client, other, author, note):
    assert not Follow.objects.filter(user=other, note=note).exists()
    assert other_client.post_json(f"/api/v1/notes/{note.pk}/comments", {"content": "抱抱"}).status_code == 201
    assert Follow.objects.filter(user=other, note=note).count() == 1
    note_unfollow(user=other, note_id=note.pk)
    # A later comment does not follow again: the unfollow is respected.
    assert other_client.post_json(f"/api/v1/notes/{note.pk}/comments", {"content": "再抱抱"}).status_code == 201
    assert not Follow.objects.filter(user=other, note=note).exists()
    # The author who unfollowed is not made to follow again by commenting on their own note.
    note_unfollow(user=author, note_id=note.pk)
    assert token_client(author).post_json(f"/api/v1/notes/{note.pk}/comments", {"content": "谢谢"}).status_code == 201
    assert not Follow.objects.filter(user=author, note=note).exists()


def test_every_note_answer_carries_the_callers_relations(other_client, other, author, categories):
    first, second, third = (make_note(author) for _ in range(3))
    other_client.put_json(f"/api/v1/notes/{first.pk}/follow")
    other_client.put_json(f"/api/v1/notes/{second.pk}/bookmark")
    other_client.put_json(f"/api/v1/notes/{second.pk}/follow")
    expected = {str(first.pk): (True, False), str(second.pk): (True, True), str(third.pk): (False, False)}
    for order in ("hot", "new"):
        body = other_client.get_json("/api/v1/notes", {"order": order}).json()
        assert {n["id"]: (n["following"], n["bookmarked"]) for n in body["results"]} == expected
    body = other_client.get_json("/api/v1/notes/search", {"q": "标题"}).json()
    assert {n["id"]: (n["following"], n["bookmarked"]) for n in body["results"]} == expected
    # The author's own view: they follow all three (their own notes), bookmarked none.
    body = token_client(author).get_json("/api/v1/me/notes").json()
    assert {(n["following"], n["bookmarked"]) for n in body["results"]} == {(True, False)}


def test_my_bookmarks_most_recent_first_and_only_visible_notes(other_client, other, author, categories):
    from treehole import clock

    notes = [make_note(author) for _ in range(4)]
    with clock.frozen():
        for note in notes:
            clock.advance(timedelta(seconds=1))
            assert other_client.put_json(f"/api/v1/notes/{note.pk}/bookmark").status_code == 204
    # Bookmarking again does not move it to the top (nothing changed).
    other_client.put_json(f"/api/v1/notes/{notes[0].pk}/bookmark")
    note_set_hidden(note_id=notes[2].pk, hidden=True)
    body = other_client.get_json("/api/v1/me/bookmarks").json()
    assert set(body) == {"results", "page", "size", "total", "has_next"}
    assert [n["id"] for n in body["results"]] == [str(notes[3].pk), str(notes[1].pk), str(notes[0].pk)]
    assert body["total"] == 3 and body["has_next"] is False
    assert all(n["bookmarked"] for n in body["results"])
    page = other_client.get_json("/api/v1/me/bookmarks", {"size": 2, "page": 2}).json()
    assert [n["id"] for n in page["results"]] == [str(notes[0].pk)] and page["total"] == 3
    # Someone else's list is their own.
    assert token_client(author).get_json("/api/v1/me/bookmarks").json()["total"] == 0


def test_my_bookmarks_failures(api_client, other_client):
    assert_error(api_client.get_json("/api/v1/me/bookmarks"), 401, "unauthenticated")
    assert_error(other_client.get_json("/api/v1/me/bookmarks", {"size": 51}), 400, "invalid", "size")
    assert_error(other_client.get_json("/api/v1/me/bookmarks", {"page": 0}), 400, "invalid", "page")


def test_a_deleted_note_takes_its_follows_and_bookmarks(other_client, author_client, note):
    other_client.put_json(f"/api/v1/notes/{note.pk}/follow")
    other_client.put_json(f"/api/v1/notes/{note.pk}/bookmark")
    assert author_client.delete_json(f"/api/v1/notes/{note.pk}").status_code == 204
    assert not Follow.objects.filter(note_id=note.pk).exists()
    assert not Bookmark.objects.filter(note_id=note.pk).exists()
    assert other_client.get_json("/api/v1/me/bookmarks").json()["total"] == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_follows_of_one_note_make_one_row(categories):
    author, reader = make_user(), make_user()
    note = make_note(author)
    client_token = token_client(reader).token
    barrier = threading.Barrier(8)
    statuses = []

    def follow():
        try:
            barrier.wait()
            statuses.append(ApiClient(token=client_token).put_json(f"/api/v1/notes/{note.pk}/follow").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=follow) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert statuses == [204] * 8
    assert Follow.objects.filter(user=reader, note=note).count() == 1


def test_openapi_records_follow_and_bookmark(api_client):
    schema = api_client.get_json("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert {"put", "delete"} <= set(paths["/api/v1/notes/{note_id}/follow"])
    assert {"put", "delete"} <= set(paths["/api/v1/notes/{note_id}/bookmark"])
    assert "get" in paths["/api/v1/me/bookmarks"]
    note = schema["components"]["schemas"]["NoteOut"]
    assert {"following", "bookmarked"} <= set(note["required"])
