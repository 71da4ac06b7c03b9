"""Every Notes endpoint of the contract, success and failure, against MariaDB and Redis."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image as PILImage

from notes import ranking
from notes.models import Note, NoteImage, Vote
from treehole.testing import ApiClient, assert_error, make_note, make_user, token_client
from treehole.redis import get_redis

pytestmark = pytest.mark.django_db

NOTE_KEYS = {
    "id", "number", "title", "content", "category", "images", "video", "author", "approve", "against", "score", "visits",
    "comment_count", "my_vote", "following", "bookmarked", "folded", "warning_folded", "pending_review", "created_at",
    "updated_at", "edited_at", "poll", "content_warning",
}
PAGE_KEYS = {"results", "page", "size", "total", "has_next"}


def png(size=(32, 32)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, (90, 140, 110)).save(buffer, "PNG")
    return buffer.getvalue()


def upload_image(owner):
    from uploads.services import image_create

    return image_create(owner=owner, data=png())


def stored_video(owner, content_type="video/mp4"):
    from django.core.files.storage import default_storage

    from uploads.models import StoredFile

    name = default_storage.save("files/clip.mp4", ContentFile(b"\x00\x00\x00\x18ftypmp42"))
    return StoredFile.objects.create(owner=owner, file=name, content_type=content_type, size=12, sha256="0" * 64)


# --- Categories ----------------------------------------------------------------------------------

def test_categories_list_with_counts(api_client, author, categories):
    make_note(author, category="study")
    make_note(author, category="study")
    hidden = make_note(author, category="life")
    from notes.services import note_set_hidden

    note_set_hidden(note_id=hidden.pk, hidden=True)
    from notes.ranking import categories_changed

    categories_changed()
    response = api_client.get_json("/api/v1/categories")
    assert response.status_code == 200
    body = response.json()
    assert [c["slug"] for c in body][:5] == ["emotion", "study", "life", "help", "chat"]
    by_slug = {c["slug"]: c for c in body}
    assert set(by_slug["study"]) == {"slug", "name", "description", "note_count"}
    assert by_slug["study"]["note_count"] == 2
    assert by_slug["life"]["note_count"] == 0  # hidden notes do not count
    assert by_slug["emotion"]["name"] == "情感"


# --- Create --------------------------------------------------------------------------------------

def test_create_answers_201_with_the_note(author_client, author, categories):
    for order in ("new", "hot"):  # the four rankings it joins are built (they build on first read)
        for params in ({}, {"category": "emotion"}):
            assert author_client.get_json("/api/v1/notes", {"order": order, **params}).status_code == 200
    response = author_client.post_json(
        "/api/v1/notes", {"title": "  第一次来树洞  ", "content": "有点紧张。", "category": "emotion"}
    )
    assert response.status_code == 201, response.content
    note = response.json()
    assert set(note) == NOTE_KEYS
    assert isinstance(note["id"], str) and note["id"].isdigit()
    assert note["title"] == "第一次来树洞"
    assert note["category"] == {"slug": "emotion", "name": "情感"}
    assert note["author"] == {"display_name": "洞主", "avatar_url": None, "anonymous": True, "is_me": True}
    assert (note["approve"], note["against"], note["visits"], note["comment_count"], note["my_vote"]) == (0, 0, 0, 0, 0)
    assert note["folded"] is False and note["video"] is None and note["images"] == []
    row = Note.objects.get(pk=int(note["id"]))
    assert row.anonymous is True and row.author_id == author.pk
    assert note["score"] == int(row.created_at.timestamp()) == row.score
    from notes.serializers import CARD_FIELDS

    assert set(get_redis().hgetall(ranking.info_key(row.pk))) == set(CARD_FIELDS)
    # It is in every ranking at once.
    member = ranking.member(row.pk)
    for name in ("time", "score", "time:emotion", "score:emotion"):
        assert ranking.set_state(name)
        assert get_redis().zscore(ranking.set_key(name), member) is not None


def test_create_named_note_shows_the_author(author_client, author, categories):
    response = author_client.post_json(
        "/api/v1/notes", {"title": "实名", "content": "我是谁", "category": "chat", "anonymous": False}
    )
    assert response.status_code == 201
    assert response.json()["author"] == {
        "id": str(author.pk), "username": author.username, "display_name": author.username,
        "avatar_url": None, "anonymous": False, "is_me": True,
    }


def test_create_with_images_in_order(author_client, author, categories):
    first, second = upload_image(author), upload_image(author)
    response = author_client.post_json(
        "/api/v1/notes",
        {"title": "图", "content": "两张图", "category": "life", "image_ids": [str(second.pk), str(first.pk)]},
    )
    assert response.status_code == 201, response.content
    images = response.json()["images"]
    assert [image["id"] for image in images] == [str(second.pk), str(first.pk)]
    assert set(images[0]) == {"id", "url", "thumb_url", "width", "height", "size"}
    first.refresh_from_db()
    assert first.attached is True


def test_create_with_someone_elses_image_is_invalid(author_client, categories):
    stranger_image = upload_image(make_user())
    response = author_client.post_json(
        "/api/v1/notes", {"title": "图", "content": "偷图", "category": "life", "image_ids": [str(stranger_image.pk)]}
    )
    assert_error(response, 400, "invalid", "image_ids")
    assert not Note.objects.exists()


def test_create_with_an_image_of_another_note_is_invalid(author_client, author, categories):
    image = upload_image(author)
    make_note(author, image_ids=[image.pk])
    response = author_client.post_json(
        "/api/v1/notes", {"title": "图", "content": "再用一次", "category": "life", "image_ids": [str(image.pk)]}
    )
    assert_error(response, 400, "invalid", "image_ids")


def test_create_with_a_video_extension(author_client, author, categories):
    video = stored_video(author)
    response = author_client.post_json(
        "/api/v1/notes", {"title": "视频", "content": "看看", "category": "life", "video_id": str(video.pk)}
    )
    assert response.status_code == 201, response.content
    assert response.json()["video"] == {"id": str(video.pk), "url": video.url, "content_type": "video/mp4", "size": 12}
    video.refresh_from_db()
    assert video.attached is True


@pytest.mark.parametrize("owner_is_caller,content_type", [(False, "video/mp4"), (True, "application/zip")])
def test_create_with_a_wrong_video_is_invalid(author_client, author, categories, owner_is_caller, content_type):
    video = stored_video(author if owner_is_caller else make_user(), content_type=content_type)
    response = author_client.post_json(
        "/api/v1/notes", {"title": "视频", "content": "看看", "category": "life", "video_id": str(video.pk)}
    )
    assert_error(response, 400, "invalid", "video_id")


@pytest.mark.parametrize(
    "payload,fields",
    [
        ({"title": "", "content": "x", "category": "emotion"}, ["title"]),
        ({"title": "   ", "content": "x", "category": "emotion"}, ["title"]),
        ({"title": "x" * 101, "content": "x", "category": "emotion"}, ["title"]),
        ({"title": "x", "content": "", "category": "emotion"}, ["content"]),
        ({"title": "x", "content": "字" * 5001, "category": "emotion"}, ["content"]),
        ({"title": "x", "content": "x", "category": "nope"}, ["category"]),
        # The schema's checks come first, together; the category's existence is the service's.
        ({"title": "", "content": "", "category": "nope"}, ["title", "content"]),
        ({"content": "x", "category": "emotion"}, ["title"]),
        ({"title": "x", "content": "x", "category": "emotion", "image_ids": ["abc"]}, ["image_ids"]),
        ({"title": None, "content": "x", "category": "emotion"}, ["title"]),
    ],
)
def test_create_validation(author_client, categories, payload, fields):
    assert_error(author_client.post_json("/api/v1/notes", payload), 400, "invalid", *fields)
    assert not Note.objects.exists()


def test_create_limits_are_inclusive(author_client, categories):
    response = author_client.post_json("/api/v1/notes", {"title": "题" * 100, "content": "字" * 5000, "category": "help"})
    assert response.status_code == 201


def test_create_needs_a_signed_in_caller(api_client, categories):
    assert_error(api_client.post_json("/api/v1/notes", {"title": "x", "content": "x", "category": "emotion"}), 401, "unauthenticated")


def test_create_by_a_banned_user_is_refused(categories):
    from django.utils import timezone

    banned = make_user(is_banned=True, banned_until=timezone.now() + timezone.timedelta(days=1))
    response = token_client(banned).post_json("/api/v1/notes", {"title": "x", "content": "x", "category": "emotion"})
    assert_error(response, 403, "banned")


def test_create_is_rate_limited(author_client, categories, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "post": (0.0001, 2)}
    for _ in range(2):
        assert author_client.post_json("/api/v1/notes", {"title": "x", "content": "x", "category": "emotion"}).status_code == 201
    response = author_client.post_json("/api/v1/notes", {"title": "x", "content": "x", "category": "emotion"})
    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) >= 1


def test_session_caller_needs_csrf(client, author, categories):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(author)
    response = strict.post("/api/v1/notes", {"title": "x", "content": "x", "category": "emotion"}, content_type="application/json")
    assert_error(response, 403, "forbidden")


# --- Detail --------------------------------------------------------------------------------------

def test_detail_counts_a_visit_each_time(api_client, note):
    first = api_client.get_json(f"/api/v1/notes/{note.pk}")
    second = api_client.get_json(f"/api/v1/notes/{note.pk}")
    assert first.status_code == second.status_code == 200
    assert set(first.json()) == NOTE_KEYS
    assert (first.json()["visits"], second.json()["visits"]) == (1, 2)
    assert int(get_redis().hget(ranking.pending_visits_key(), str(note.pk))) == 2


def test_detail_of_an_anonymous_note_reveals_no_author(api_client, other_client, author, note):
    for client in (api_client, other_client):
        response = client.get_json(f"/api/v1/notes/{note.pk}")
        assert response.json()["author"] == {"display_name": "洞主", "avatar_url": None, "anonymous": True, "is_me": False}
        raw = response.content.decode()
        assert str(author.pk) not in raw and author.username not in raw
        assert not any(str(author.pk) in value or author.username in value for value in response.headers.values())


def test_staff_do_not_see_an_anonymous_author_in_the_api(note, staff, author):
    response = token_client(staff).get_json(f"/api/v1/notes/{note.pk}")
    assert response.json()["author"]["anonymous"] is True
    assert str(author.pk) not in response.content.decode()


@pytest.mark.parametrize("path", ["/api/v1/notes/1234567", "/api/v1/notes/abc", "/api/v1/notes/99999999999999999999"])
def test_detail_not_found(api_client, categories, path):
    assert_error(api_client.get_json(path), 404, "not_found")


def test_detail_with_a_bad_token_is_401_not_anonymous(note):
    client = ApiClient(token="not-a-jwt")
    assert_error(client.get_json(f"/api/v1/notes/{note.pk}"), 401, "unauthenticated")


def test_detail_shows_my_vote(author_client, other_client, note):
    other_client.put_json(f"/api/v1/notes/{note.pk}/vote", {"value": -1})
    assert other_client.get_json(f"/api/v1/notes/{note.pk}").json()["my_vote"] == -1
    assert author_client.get_json(f"/api/v1/notes/{note.pk}").json()["my_vote"] == 0
    # Also when Redis has forgotten the voted set (the database answers).
    get_redis().delete(ranking.voted_key(note.pk), ranking.info_key(note.pk))
    assert other_client.get_json(f"/api/v1/notes/{note.pk}").json()["my_vote"] == -1


# --- Lists ---------------------------------------------------------------------------------------

def test_list_hot_and_new(api_client, author, categories):
    older = make_note(author, category="study")
    newer = make_note(author, category="life")
    voter = make_user()
    from notes.services import note_vote

    note_vote(note_id=older.pk, user=voter, value=1)
    hot = api_client.get_json("/api/v1/notes", {"order": "hot"}).json()
    new = api_client.get_json("/api/v1/notes", {"order": "new"}).json()
    assert set(hot) == PAGE_KEYS and set(hot["results"][0]) == NOTE_KEYS
    assert [n["id"] for n in hot["results"]] == [str(older.pk), str(newer.pk)]
    assert [n["id"] for n in new["results"]] == [str(newer.pk), str(older.pk)]
    assert (hot["page"], hot["size"], hot["total"], hot["has_next"]) == (1, 20, 2, False)
    study = api_client.get_json("/api/v1/notes", {"order": "new", "category": "study"}).json()
    assert [n["id"] for n in study["results"]] == [str(older.pk)] and study["total"] == 1


def test_list_paging(api_client, author, categories):
    notes = [make_note(author) for _ in range(5)]
    page1 = api_client.get_json("/api/v1/notes", {"order": "new", "size": 2}).json()
    page3 = api_client.get_json("/api/v1/notes", {"order": "new", "size": 2, "page": 3}).json()
    page4 = api_client.get_json("/api/v1/notes", {"order": "new", "size": 2, "page": 4}).json()
    assert [n["id"] for n in page1["results"]] == [str(notes[4].pk), str(notes[3].pk)]
    assert page1["has_next"] is True and page1["total"] == 5
    assert [n["id"] for n in page3["results"]] == [str(notes[0].pk)] and page3["has_next"] is False
    assert page4["results"] == [] and page4["total"] == 5


@pytest.mark.parametrize(
    "params,field",
    [({"order": "best"}, "order"), ({"category": "nope"}, "category"), ({"page": 0}, "page"),
     ({"size": 0}, "size"), ({"size": 51}, "size"), ({"page": "x"}, "page")],
)
def test_list_validation(api_client, categories, params, field):
    assert_error(api_client.get_json("/api/v1/notes", params), 400, "invalid", field)


def test_list_my_vote_for_a_signed_in_caller(other_client, other, author, categories):
    liked = make_note(author)
    plain = make_note(author)
    other_client.put_json(f"/api/v1/notes/{liked.pk}/vote", {"value": 1})
    results = other_client.get_json("/api/v1/notes", {"order": "new"}).json()["results"]
    assert {n["id"]: n["my_vote"] for n in results} == {str(liked.pk): 1, str(plain.pk): 0}


def test_hidden_notes_vanish_for_everyone_but_staff(api_client, author_client, author, staff, categories):
    from notes.services import note_set_hidden

    visible = make_note(author)
    hidden = make_note(author)
    note_set_hidden(note_id=hidden.pk, hidden=True)
    for client in (api_client, author_client):
        ids = [n["id"] for n in client.get_json("/api/v1/notes", {"order": "new"}).json()["results"]]
        assert ids == [str(visible.pk)]
        assert_error(client.get_json(f"/api/v1/notes/{hidden.pk}"), 404, "not_found")
        assert [n["id"] for n in client.get_json("/api/v1/notes/search", {"q": "树洞"}).json()["results"]] == [str(visible.pk)]
    staff_client = token_client(staff)
    assert staff_client.get_json(f"/api/v1/notes/{hidden.pk}").status_code == 200
    ids = [n["id"] for n in staff_client.get_json("/api/v1/notes", {"order": "new"}).json()["results"]]
    assert ids == [str(hidden.pk), str(visible.pk)]
    note_set_hidden(note_id=hidden.pk, hidden=False)
    assert api_client.get_json(f"/api/v1/notes/{hidden.pk}").status_code == 200
    assert api_client.get_json("/api/v1/notes", {"order": "new"}).json()["total"] == 2


def test_folded_notes_stay_listed_with_the_flag(api_client, note):
    from notes.services import note_set_folded

    api_client.get_json(f"/api/v1/notes/{note.pk}")
    note_set_folded(note_id=note.pk, folded=True)
    assert api_client.get_json(f"/api/v1/notes/{note.pk}").json()["folded"] is True
    assert api_client.get_json("/api/v1/notes", {"order": "new"}).json()["results"][0]["folded"] is True
    note_set_folded(note_id=note.pk, folded=False)
    assert api_client.get_json(f"/api/v1/notes/{note.pk}").json()["folded"] is False


# --- Edit ----------------------------------------------------------------------------------------

def test_edit_by_the_author(author_client, author, note):
    assert author_client.get_json("/api/v1/notes", {"order": "new", "category": "study"}).status_code == 200
    assert ranking.set_state("time:study")  # built before the edit: the edit itself must place the note
    response = author_client.patch_json(f"/api/v1/notes/{note.pk}", {"title": "改过的标题", "category": "study"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["title"] == "改过的标题" and body["category"]["slug"] == "study"
    assert body["content"] == note.content  # untouched
    assert body["updated_at"] != body["created_at"]
    # Readers see the change at once (the card was deleted on commit and refilled).
    assert author_client.get_json(f"/api/v1/notes/{note.pk}").json()["title"] == "改过的标题"
    member = ranking.member(note.pk)
    r = get_redis()
    assert r.zscore(ranking.set_key("time:study"), member) is not None
    assert r.zscore(ranking.set_key("time:emotion"), member) is None


def test_edit_images_replaces_them(author_client, author, categories):
    keep, drop, add = upload_image(author), upload_image(author), upload_image(author)
    note = make_note(author, image_ids=[keep.pk, drop.pk])
    response = author_client.patch_json(f"/api/v1/notes/{note.pk}", {"image_ids": [str(add.pk), str(keep.pk)]})
    assert [i["id"] for i in response.json()["images"]] == [str(add.pk), str(keep.pk)]
    drop.refresh_from_db()
    assert drop.attached is False
    assert list(NoteImage.objects.filter(note=note).values_list("image_id", flat=True)) == [add.pk, keep.pk]


def test_edit_video_set_and_remove(author_client, author, note):
    video = stored_video(author)
    assert author_client.patch_json(f"/api/v1/notes/{note.pk}", {"video_id": str(video.pk)}).json()["video"]["id"] == str(video.pk)
    assert author_client.patch_json(f"/api/v1/notes/{note.pk}", {"video_id": None}).json()["video"] is None


def test_edit_by_someone_else_is_forbidden(other_client, note):
    assert_error(other_client.patch_json(f"/api/v1/notes/{note.pk}", {"title": "x"}), 403, "forbidden")
    note.refresh_from_db()
    assert note.title != "x"


@pytest.mark.parametrize(
    "payload,field",
    [({"title": ""}, "title"), ({"content": "字" * 5001}, "content"), ({"category": "nope"}, "category"),
     ({"title": None}, "title"), ({"image_ids": ["x"]}, "image_ids")],
)
def test_edit_validation(author_client, note, payload, field):
    assert_error(author_client.patch_json(f"/api/v1/notes/{note.pk}", payload), 400, "invalid", field)


def test_edit_failures(api_client, author_client, note, categories):
    assert_error(api_client.patch_json(f"/api/v1/notes/{note.pk}", {"title": "x"}), 401, "unauthenticated")
    assert_error(author_client.patch_json("/api/v1/notes/424242", {"title": "x"}), 404, "not_found")


# --- Delete --------------------------------------------------------------------------------------

def test_delete_by_the_author_removes_everything(author_client, author, other_client, categories):
    image = upload_image(author)
    note = make_note(author, image_ids=[image.pk])
    other_client.put_json(f"/api/v1/notes/{note.pk}/vote", {"value": 1})
    other_client.get_json(f"/api/v1/notes/{note.pk}")
    assert author_client.delete_json(f"/api/v1/notes/{note.pk}").status_code == 204
    assert not Note.objects.filter(pk=note.pk).exists()
    assert not Vote.objects.filter(note_id=note.pk).exists()
    from uploads.models import Image

    assert not Image.objects.filter(pk=image.pk).exists()
    # Every Redis trace is gone but the short tombstone that stops a late write resurrecting it.
    r = get_redis()
    member = ranking.member(note.pk)
    leftovers = [k for k in r.scan_iter(match="*") if str(note.pk) in k]
    assert leftovers == [ranking.ver_key(note.pk)]
    assert 0 < r.ttl(ranking.ver_key(note.pk)) <= 60
    for name in r.hkeys(ranking.sets_state_key()):
        assert r.zscore(ranking.set_key(name), member) is None
    assert_error(other_client.get_json(f"/api/v1/notes/{note.pk}"), 404, "not_found")


def test_delete_runs_the_registered_hooks(author_client, note):
    from treehole import hooks

    seen = []
    with hooks.register_temporarily("note_deleted", seen.append):
        assert author_client.delete_json(f"/api/v1/notes/{note.pk}").status_code == 204
    assert seen == [note.pk]


def test_delete_by_staff(note, staff):
    assert token_client(staff).delete_json(f"/api/v1/notes/{note.pk}").status_code == 204


def test_delete_failures(api_client, other_client, note):
    assert_error(api_client.delete_json(f"/api/v1/notes/{note.pk}"), 401, "unauthenticated")
    assert_error(other_client.delete_json(f"/api/v1/notes/{note.pk}"), 403, "forbidden")
    assert_error(other_client.delete_json("/api/v1/notes/777"), 404, "not_found")
    assert Note.objects.filter(pk=note.pk).exists()


# --- Votes ---------------------------------------------------------------------------------------

def test_vote_up_down_cancel_idempotent(other_client, api_client, note):
    api_client.get_json("/api/v1/notes", {"order": "hot"})  # builds the hot set
    base = note.score
    url = f"/api/v1/notes/{note.pk}/vote"
    assert other_client.put_json(url, {"value": 1}).json() == {"approve": 1, "against": 0, "score": base + 500, "my_vote": 1}
    assert other_client.put_json(url, {"value": 1}).json() == {"approve": 1, "against": 0, "score": base + 500, "my_vote": 1}
    assert other_client.put_json(url, {"value": -1}).json() == {"approve": 0, "against": 1, "score": base - 500, "my_vote": -1}
    assert other_client.put_json(url, {"value": 0}).json() == {"approve": 0, "against": 0, "score": base, "my_vote": 0}
    assert other_client.put_json(url, {"value": 0}).json()["my_vote"] == 0
    note.refresh_from_db()
    assert (note.approve, note.against, note.score) == (0, 0, base)
    assert float(get_redis().zscore(ranking.set_key("score"), ranking.member(note.pk))) == base


@pytest.mark.parametrize("value", [2, -2, "1", 1.5, True, None])
def test_vote_wrong_value(other_client, note, value):
    assert_error(other_client.put_json(f"/api/v1/notes/{note.pk}/vote", {"value": value}), 400, "invalid", "value")


def test_vote_failures(api_client, other_client, note, categories):
    assert_error(api_client.put_json(f"/api/v1/notes/{note.pk}/vote", {"value": 1}), 401, "unauthenticated")
    assert_error(other_client.put_json("/api/v1/notes/555/vote", {"value": 1}), 404, "not_found")
    assert_error(other_client.put_json(f"/api/v1/notes/{note.pk}/vote", {}), 400, "invalid", "value")


def test_vote_by_a_banned_user(note):
    banned = make_user(is_banned=True)
    assert_error(token_client(banned).put_json(f"/api/v1/notes/{note.pk}/vote", {"value": 1}), 403, "banned")


def test_vote_is_rate_limited(other_client, note, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "vote": (0.0001, 1)}
    assert other_client.put_json(f"/api/v1/notes/{note.pk}/vote", {"value": 1}).status_code == 200
    assert_error(other_client.put_json(f"/api/v1/notes/{note.pk}/vote", {"value": -1}), 429, "rate_limited")


# --- Mine ----------------------------------------------------------------------------------------

def test_me_notes_newest_first_including_anonymous(author_client, author, other, categories):
    mine_anonymous = make_note(author, anonymous=True)
    mine_named = make_note(author, anonymous=False)
    make_note(other)
    body = author_client.get_json("/api/v1/me/notes").json()
    assert set(body) == PAGE_KEYS
    assert [n["id"] for n in body["results"]] == [str(mine_named.pk), str(mine_anonymous.pk)]
    assert all(n["author"]["is_me"] for n in body["results"])
    assert body["results"][1]["author"]["display_name"] == "洞主"


def test_me_notes_failures(api_client, author_client):
    assert_error(api_client.get_json("/api/v1/me/notes"), 401, "unauthenticated")
    assert_error(author_client.get_json("/api/v1/me/notes", {"size": 100}), 400, "invalid", "size")


# --- Schema --------------------------------------------------------------------------------------

def test_openapi_records_the_extensions(api_client):
    schema = api_client.get_json("/api/v1/openapi.json").json()
    for path in ("/api/v1/notes", "/api/v1/notes/{note_id}", "/api/v1/notes/{note_id}/vote", "/api/v1/notes/search",
                 "/api/v1/categories", "/api/v1/me/notes"):
        assert path in schema["paths"], path
    components = schema["components"]["schemas"]
    assert "video" in components["NoteOut"]["properties"]
    assert "video_id" in components["NoteIn"]["properties"]
