"""The data export (GET /api/v1/me/export and the profile's button): everything the account wrote,
as one valid JSON file, streamed with flat memory, rate limited, and nobody else's identity in it."""

from __future__ import annotations

import json
import tracemalloc

import pytest
from django.test import AsyncClient, Client

from chat.services import chat_message_send
from comments.models import Comment
from comments.services import comment_create
from notes.services import note_bookmark, note_follow, note_vote
from treehole.testing import DEFAULT_PASSWORD, ApiClient, assert_error, make_note, make_user, token_client
from treehole.testing.files import png_bytes
from uploads.services import image_create

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/export"


@pytest.fixture(autouse=True)
def _defaults(fast_hasher, generous_limits, categories):
    pass


def download(client) -> tuple[object, bytes]:
    response = client.get_json(URL) if isinstance(client, ApiClient) else client.get(URL)
    assert response.status_code == 200, getattr(response, "content", b"")[:300]
    assert response.streaming
    return response, b"".join(response.streaming_content)


def test_export_holds_everything_the_account_wrote_and_nobody_else(author, other):
    image = image_create(owner=author, data=png_bytes())
    secret_note = make_note(author, title="匿名的心事", content="只有我知道", anonymous=True, image_ids=[image.pk])
    signed_note = make_note(author, title="署名的", content="大家好", anonymous=False)
    others_note = make_note(other, title="别人的帖子", content="别人的内容", anonymous=False)
    theirs = comment_create(user=other, note_id=secret_note.pk, content="楼上说得对")
    mine = comment_create(user=author, note_id=secret_note.pk, content="谢谢你", reply_to_id=theirs.pk)
    comment_create(user=author, note_id=others_note.pk, content="路过")
    chat_message_send(user_id=author.pk, content="聊天室里的话")
    chat_message_send(user_id=other.pk, content="别人的聊天")
    note_vote(note_id=others_note.pk, user=author, value=-1)
    note_vote(note_id=secret_note.pk, user=other, value=1)
    note_bookmark(user=author, note_id=others_note.pk)
    note_follow(user=author, note_id=others_note.pk)

    response, body = download(token_client(author))
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="treehole-export-')
    assert response["Cache-Control"] == "no-store, private"
    data = json.loads(body)

    assert data["format"] == "treehole-export" and data["version"] == 1
    assert data["profile"]["id"] == str(author.pk) and data["profile"]["email"] == author.email
    notes = {note["id"]: note for note in data["notes"]}
    assert set(notes) == {str(secret_note.pk), str(signed_note.pk)}
    assert notes[str(secret_note.pk)]["anonymous"] is True  # their own anonymous note is theirs to take
    assert notes[str(secret_note.pk)]["content"] == "只有我知道"
    assert notes[str(secret_note.pk)]["images"] == [image.url]
    assert sorted(c["content"] for c in data["comments"]) == sorted(["谢谢你", "路过"])
    reply = next(c for c in data["comments"] if c["id"] == str(mine.pk))
    assert reply["reply_to"] == {"id": str(theirs.pk), "floor": theirs.floor}  # a floor, never who wrote it
    assert [m["content"] for m in data["chat_messages"]] == ["聊天室里的话"]
    assert data["votes"] == [{"note_id": str(others_note.pk), "value": -1, "voted_at": data["votes"][0]["voted_at"]}]
    assert [b["note_id"] for b in data["bookmarks"]] == [str(others_note.pk)]
    # Follows: their own notes (followed on publishing) and the one they chose.
    assert {f["note_id"] for f in data["follows"]} == {str(secret_note.pk), str(signed_note.pk), str(others_note.pk)}

    # Not one byte of anyone else's identity, nor what they wrote.
    for foreign in (other.username, str(other.pk), other.email, "楼上说得对", "别人的聊天", "别人的内容"):
        assert foreign.encode() not in body, foreign


def test_export_needs_a_signed_in_caller(api_client):
    assert_error(api_client.get_json(URL), 401, "unauthenticated")


def test_export_is_rate_limited_with_the_one_limiter(author, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "export": (0.0001, 2)}
    client = token_client(author)
    download(client)
    download(client)
    refused = client.get_json(URL)
    assert_error(refused, 429, "rate_limited")
    assert int(refused["Retry-After"]) > 0
    # The page's button shares the member's bucket and answers with the friendly page.
    page = Client()
    page.force_login(author)
    assert page.get("/accounts/me/export/").status_code == 429


def test_profile_button_downloads_the_same_file(author):
    make_note(author, title="页面导出", content="从资料页下载")
    page = Client()
    page.force_login(author)
    profile = page.get("/accounts/me/")
    assert b'href="/accounts/me/export/"' in profile.content
    response = page.get("/accounts/me/export/")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(b"".join(response.streaming_content))
    assert [note["title"] for note in data["notes"]] == ["页面导出"]


def _add_comments(user, note, count: int, start: int) -> None:
    from treehole.ids import next_id

    text = "这是一条用来把导出撑大的评论，" * 4
    Comment.objects.bulk_create(
        [Comment(id=next_id(), note=note, author=user, floor=start + i, content=f"{text}{start + i}") for i in range(count)],
        batch_size=2000,
    )


def _export_peak(client, path) -> tuple[int, int]:
    """(peak traced bytes while the export streams, bytes exported); the file is written to ``path``."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        response = client.get_json(URL)
        assert response.status_code == 200
        size = 0
        with open(path, "wb") as handle:
            for chunk in response.streaming_content:
                size += len(chunk)
                handle.write(chunk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, size


def test_export_streams_with_flat_memory_for_a_large_account(author, tmp_path):
    note = make_note(author, title="大帖", content="两万条评论")
    client = token_client(author)
    _add_comments(author, note, 2_000, start=1)
    download(client)  # warm every cache (translations, compiled queries) before measuring
    small_peak, small_size = _export_peak(client, tmp_path / "small.json")
    _add_comments(author, note, 18_000, start=2_001)
    large_peak, large_size = _export_peak(client, tmp_path / "large.json")

    with open(tmp_path / "large.json", "rb") as handle:
        data = json.load(handle)  # valid JSON, every comment in it
    assert len(data["comments"]) == 20_000
    assert len({c["id"] for c in data["comments"]}) == 20_000
    assert large_size > 9 * small_size  # ten times the rows ...
    assert large_peak < small_peak * 1.5  # ... and the memory stays where it was
    assert large_peak < large_size / 3  # never the whole document in memory (one batch of rows, one chunk)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_export_streams_under_asgi_too(author):
    from asgiref.sync import sync_to_async

    await sync_to_async(make_note)(author, title="异步", content="ASGI 下也是流式的")
    client = AsyncClient()
    await sync_to_async(client.force_login)(author)
    response = await client.get(URL)
    assert response.status_code == 200 and response.streaming
    assert response.is_async  # pulled chunk by chunk, not collected into a list first
    body = b"".join([chunk async for chunk in response.streaming_content])
    assert [note["title"] for note in json.loads(body)["notes"]] == ["异步"]


def test_password_field_is_never_exported(author):
    _response, body = download(token_client(author))
    assert author.password.encode() not in body
    assert b"password" not in body
    assert DEFAULT_PASSWORD.encode() not in body


def test_export_holds_polls_ballots_revisions_and_warnings(author, other):
    from notes.models import PollOption
    from notes.services import note_create, note_update, poll_vote

    mine = note_create(author=author, title="我的投票", content="原来的话", category="life", content_warning="剧透",
                       poll={"question": "选哪个？", "options": ["甲", "乙"]})
    note_update(note_id=mine.pk, user=author, content="改过的话")
    theirs = note_create(author=other, title="别人的投票", content="别人的内容", category="life",
                         poll={"question": "别人的问题", "options": ["别人的选项一", "别人的选项二"]})
    chosen = PollOption.objects.filter(poll_id=theirs.pk).order_by("position").last()
    poll_vote(note_id=theirs.pk, user=author, option_ids=[chosen.pk])
    _response, body = download(token_client(author))
    data = json.loads(body)
    note = next(n for n in data["notes"] if n["id"] == str(mine.pk))
    assert note["number"] == mine.number and note["content_warning"] == "剧透" and note["edited_at"]
    assert note["poll"]["question"] == "选哪个？" and [o["text"] for o in note["poll"]["options"]] == ["甲", "乙"]
    assert [(r["note_id"], r["content"]) for r in data["note_revisions"]] == [(str(mine.pk), "原来的话")]
    assert data["poll_votes"] == [{"note_id": str(theirs.pk), "option_ids": [str(chosen.pk)],
                                   "voted_at": data["poll_votes"][0]["voted_at"]}]
    for foreign in ("别人的问题", "别人的选项二", "别人的内容", other.username):
        assert foreign.encode() not in body, foreign
