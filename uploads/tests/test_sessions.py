"""Resumable chunked uploads through the API, on local disk and on S3 (moto): chunks in any order,
re-sends, corrupted chunks, resuming, completion with the whole-file hash, and clean failures."""

from __future__ import annotations

import hashlib
import random
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from treehole.testing import assert_error, auth_headers as auth, files, token_client
from uploads.models import StoredFile, UploadChunk, UploadSession
from uploads.tests.conftest import stored_key

pytestmark = pytest.mark.django_db
BASE = "/api/v1/uploads/sessions"


def create(client, data: bytes | None = None, *, size=None, sha256=None, content_type="video/mp4", filename="clip.mp4"):
    body = {
        "filename": filename,
        "size": size if size is not None else len(data),
        "content_type": content_type,
        "sha256": sha256 if sha256 is not None else files.sha256(data),
    }
    return client.post_json(BASE, body)


def put_chunk(client, session_id: str, index: int, data: bytes, sha256: str | None = None):
    return client.put(
        f"{BASE}/{session_id}/chunks/{index}",
        data,
        content_type="application/octet-stream",
        HTTP_X_CHUNK_SHA256=sha256 if sha256 is not None else files.sha256(data),
        **auth(client),
    )


def chunk_of(data: bytes, session: dict, index: int) -> bytes:
    size = session["chunk_size"]
    return data[index * size : (index + 1) * size]


def status(client, session_id: str):
    return client.get_json(f"{BASE}/{session_id}")


def complete(client, session_id: str):
    return client.post_json(f"{BASE}/{session_id}/complete")


def chunk_files(settings) -> list[Path]:
    root = Path(settings.UPLOAD_CHUNK_DIR)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_50_mb_in_shuffled_chunks_with_a_duplicate_and_a_corrupted_resend_completes(uploader, user, store, settings):
    data = files.big_video_bytes(50 * files.MIB + 12345)  # a real MP4 carrying GPS, device, title
    assert files.video_leaks(data)
    response = create(uploader, data)
    assert response.status_code == 201, response.content
    session = response.json()
    assert set(session) >= {"id", "chunk_size", "total_chunks"} and isinstance(session["id"], str)
    assert session["chunk_size"] == 5 * files.MIB and session["total_chunks"] == 11 == -(-len(data) // (5 * files.MIB))

    order = list(range(session["total_chunks"]))
    random.Random(6).shuffle(order)
    corrupted_index, duplicate_index = order[3], order[5]
    for index in order:
        chunk = chunk_of(data, session, index)
        if index == corrupted_index:
            damaged = bytearray(chunk)
            damaged[len(damaged) // 2] ^= 0xFF
            error = assert_error(put_chunk(uploader, session["id"], index, bytes(damaged), files.sha256(chunk)), 400, "invalid")
            assert "X-Chunk-SHA256" in error["fields"]
            assert index not in status(uploader, session["id"]).json()["received"]
        assert put_chunk(uploader, session["id"], index, chunk).status_code == 204
        if index == duplicate_index:
            assert put_chunk(uploader, session["id"], index, chunk).status_code == 204  # harmless
    assert store.keys() == []  # nothing published before `complete`

    state = status(uploader, session["id"]).json()
    assert state["received"] == list(range(11)) and state["complete"] is False and state["total_chunks"] == 11

    response = complete(uploader, session["id"])
    assert response.status_code == 201, response.content
    published = response.json()
    assert set(published) == {"id", "url", "size", "content_type", "sha256"}
    key = stored_key(store, published["url"])
    assert key.startswith("files/") and key.endswith(".mp4") and "clip" not in key
    served = store.read(key)
    # What is served is the remuxed copy (its size and hash are the answer's), without metadata.
    assert hashlib.sha256(served).hexdigest() == published["sha256"] != files.sha256(data)
    assert published["size"] == len(served) and published["content_type"] == "video/mp4"
    assert files.video_leaks(served) == []
    assert store.keys() == [key]
    stored = StoredFile.objects.get(pk=published["id"])
    assert stored.owner == user and stored.original_name == "clip.mp4" and not stored.attached
    assert chunk_files(settings) == []  # the chunks are gone once published

    state = status(uploader, session["id"]).json()
    assert state["complete"] is True and state["file"]["id"] == published["id"]
    assert complete(uploader, session["id"]).json() == published  # a retried `complete` is harmless
    assert_error(put_chunk(uploader, session["id"], 0, chunk_of(data, session, 0)), 409, "conflict")


def test_a_resumed_session_sends_only_what_is_missing(uploader, store):
    data = files.big_video_bytes(15 * files.MIB + 777)  # 4 chunks of 5 MiB, the last one short
    session = create(uploader, data).json()
    total = session["total_chunks"]
    first_batch = [0, 2]
    for index in first_batch:
        assert put_chunk(uploader, session["id"], index, chunk_of(data, session, index)).status_code == 204

    # The connection dropped; later (another client, same member) asks what arrived and goes on.
    resumed = token_client(uploader_user(uploader))
    state = status(resumed, session["id"]).json()
    assert state["received"] == first_batch and state["total_chunks"] == total
    assert_error(complete(resumed, session["id"]), 409, "conflict")  # chunks are missing
    missing = [i for i in range(total) if i not in state["received"]]
    for index in missing:
        assert put_chunk(resumed, session["id"], index, chunk_of(data, session, index)).status_code == 204

    published = complete(resumed, session["id"]).json()
    served = store.read(stored_key(store, published["url"]))
    assert published["sha256"] == files.sha256(served) and files.video_leaks(served) == []


def uploader_user(client):
    from accounts.tokens import user_for_access_token

    return user_for_access_token(client.token)


def test_wrong_whole_file_hash_publishes_nothing_and_cleans_up(uploader, store, settings):
    data = files.video_bytes(6 * files.MIB)
    session = create(uploader, data, sha256="0" * 64).json()
    for index in range(session["total_chunks"]):
        assert put_chunk(uploader, session["id"], index, chunk_of(data, session, index)).status_code == 204
    assert chunk_files(settings)

    error = assert_error(complete(uploader, session["id"]), 400, "invalid", "sha256")

    assert "SHA-256" in error["message"]
    assert store.keys() == [] and StoredFile.objects.count() == 0
    assert chunk_files(settings) == [] and not UploadSession.objects.exists() and not UploadChunk.objects.exists()
    assert_error(status(uploader, session["id"]), 404, "not_found")


def test_a_file_that_is_not_a_video_is_refused(uploader, settings):
    text = b"<html><script>alert(1)</script></html>" * 1000
    assert_error(create(uploader, text, content_type="text/html"), 415, "unsupported_media_type")
    session = create(uploader, text).json()  # declared as video/mp4, but the bytes say otherwise
    assert_error(put_chunk(uploader, session["id"], 0, text), 415, "unsupported_media_type")
    assert chunk_files(settings) == [] and not UploadChunk.objects.exists()


def test_oversize_and_bad_declarations(uploader, settings):
    limit = settings.TREEHOLE_LIMITS["chunked_upload_bytes"]
    assert_error(create(uploader, size=limit + 1, sha256="a" * 64), 413, "payload_too_large")
    assert_error(create(uploader, size=0, sha256="a" * 64), 400, "invalid", "size")
    assert_error(create(uploader, size=10, sha256="xyz"), 400, "invalid", "sha256")
    assert_error(uploader.post_json(BASE, {"filename": "a.mp4"}), 400, "invalid", "size")
    assert not UploadSession.objects.exists()


def test_chunks_of_the_wrong_size_or_index_are_refused(uploader, settings):
    data = files.video_bytes(5 * files.MIB + 10)
    session = create(uploader, data).json()
    too_long = chunk_of(data, session, 1) + b"extra"
    assert_error(put_chunk(uploader, session["id"], 1, too_long), 413, "payload_too_large")
    assert_error(put_chunk(uploader, session["id"], 0, data[:100]), 400, "invalid")
    assert_error(put_chunk(uploader, session["id"], 2, b"x"), 400, "invalid", "index")
    assert_error(put_chunk(uploader, session["id"], -1, b"x"), 400, "invalid")
    assert_error(put_chunk(uploader, session["id"], 0, chunk_of(data, session, 0), sha256="nothex"), 400, "invalid", "X-Chunk-SHA256")
    # A valid chunk, then different bytes for the same index: the first stays.
    assert put_chunk(uploader, session["id"], 1, chunk_of(data, session, 1)).status_code == 204
    assert_error(put_chunk(uploader, session["id"], 1, b"0123456789"), 409, "conflict")
    assert status(uploader, session["id"]).json()["received"] == [1]
    assert [p.name for p in chunk_files(settings)] == ["1.part"]


def test_a_chunk_larger_than_the_memory_limit_for_bodies_is_streamed(uploader, settings):
    # DATA_UPLOAD_MAX_MEMORY_SIZE (3 MB) guards request.body; chunks (5 MiB) never go through it.
    assert settings.UPLOAD_CHUNK_BYTES > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    data = files.video_bytes(settings.UPLOAD_CHUNK_BYTES)
    session = create(uploader, data).json()
    assert put_chunk(uploader, session["id"], 0, data).status_code == 204


def test_another_members_session_is_not_found(uploader, other_user, settings):
    data = files.video_bytes(1000)
    session = create(uploader, data).json()
    stranger = token_client(other_user)

    assert_error(status(stranger, session["id"]), 404, "not_found")
    assert_error(put_chunk(stranger, session["id"], 0, data), 404, "not_found")
    assert_error(complete(stranger, session["id"]), 404, "not_found")
    # The same answer as for a session that never existed.
    assert status(stranger, session["id"]).json() == status(stranger, "1234567890123").json()
    assert_error(status(stranger, "not-a-number"), 404, "not_found")
    assert chunk_files(settings) == []


def test_sessions_need_auth_and_no_ban(api_client, user):
    data = files.video_bytes(1000)
    assert_error(create(api_client, data), 401, "unauthenticated")
    client = token_client(user)
    session = create(client, data).json()
    user.is_banned = True
    user.save(update_fields=["is_banned"])
    # A ban bumps the token version elsewhere; even with a valid token a banned member cannot write.
    assert_error(create(client, data), 403, "banned")
    assert_error(put_chunk(client, session["id"], 0, data), 403, "banned")


def test_unfinished_sessions_per_member_are_capped(uploader, settings):
    settings.UPLOAD_SESSIONS_PER_USER = 2
    data = files.video_bytes(1000)
    for _ in range(2):
        assert create(uploader, data).status_code == 201
    assert_error(create(uploader, data), 409, "conflict")


def test_an_expired_session_is_refused_then_swept_with_its_chunks(uploader, settings):
    from uploads.tasks import sweep_expired_upload_sessions

    data = files.video_bytes(5 * files.MIB + 100)
    old = create(uploader, data).json()
    live = create(uploader, data).json()
    for session in (old, live):
        assert put_chunk(uploader, session["id"], 0, chunk_of(data, session, 0)).status_code == 204
    UploadSession.objects.filter(pk=old["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert_error(status(uploader, old["id"]), 404, "not_found")
    assert_error(put_chunk(uploader, old["id"], 1, chunk_of(data, old, 1)), 404, "not_found")
    assert_error(complete(uploader, old["id"]), 404, "not_found")

    assert sweep_expired_upload_sessions.call_local() == 1

    assert list(UploadSession.objects.values_list("pk", flat=True)) == [int(live["id"])]
    assert not Path(settings.UPLOAD_CHUNK_DIR, old["id"]).exists()
    assert Path(settings.UPLOAD_CHUNK_DIR, live["id"], "0.part").exists()


def test_sessions_expire_24_hours_after_creation(uploader):
    before = timezone.now()
    session = create(uploader, files.video_bytes(1000)).json()
    expires = UploadSession.objects.get(pk=session["id"]).expires_at
    assert timedelta(hours=24) <= expires - before < timedelta(hours=24, minutes=1)


def test_orphan_chunk_folders_are_swept(settings):
    from uploads.services import upload_sessions_sweep_expired

    orphan = Path(settings.UPLOAD_CHUNK_DIR, "98765")
    orphan.mkdir(parents=True)
    (orphan / "0.part").write_bytes(b"left behind")
    assert upload_sessions_sweep_expired() == 0
    assert orphan.exists()  # too young: maybe a session being created right now
    old = (timezone.now() - timedelta(days=2)).timestamp()
    import os

    os.utime(orphan, (old, old))
    upload_sessions_sweep_expired()
    assert not orphan.exists()


def test_unattached_published_files_are_swept_but_claimed_ones_stay(uploader, user, store):
    from uploads.tasks import sweep_unattached_uploads

    ids = []
    for _ in range(2):
        data = files.video_with_metadata("video/mp4")
        session = create(uploader, data).json()
        put_chunk(uploader, session["id"], 0, data)
        ids.append(complete(uploader, session["id"]).json()["id"])
    StoredFile.objects.filter(pk=ids[0]).update(attached=True)  # as a note attaching it does
    StoredFile.objects.update(created_at=timezone.now() - timedelta(days=2))

    assert sweep_unattached_uploads.call_local()["files"] == 1

    assert list(StoredFile.objects.values_list("pk", flat=True)) == [int(ids[0])]
    assert len(store.keys()) == 1


def test_publishing_failure_keeps_the_chunks_for_a_retry(uploader, settings, monkeypatch):
    from django.core.files.storage import default_storage

    data = files.big_video_bytes(6 * files.MIB)
    session = create(uploader, data).json()
    for index in range(session["total_chunks"]):
        put_chunk(uploader, session["id"], index, chunk_of(data, session, index))

    def broken_save(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(default_storage, "save", broken_save)
    assert_error(complete(uploader, session["id"]), 503, "unavailable")
    assert StoredFile.objects.count() == 0
    assert sorted(p.name for p in chunk_files(settings)) == ["0.part", "1.part"]  # no assembled left-over
    monkeypatch.undo()

    published = complete(uploader, session["id"]).json()
    assert published["sha256"] != files.sha256(data) and published["content_type"] == "video/mp4"


def test_openapi_lists_the_upload_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/uploads/images",
        "/api/v1/uploads/sessions",
        "/api/v1/uploads/sessions/{id}/chunks/{index}",
        "/api/v1/uploads/sessions/{id}",
        "/api/v1/uploads/sessions/{id}/complete",
    ):
        assert path in paths, path
    chunk = paths["/api/v1/uploads/sessions/{id}/chunks/{index}"]["put"]
    assert any(p["name"] == "X-Chunk-SHA256" for p in chunk["parameters"])


def test_the_pages_own_script_can_use_the_session_cookie(user):
    """The widget talks to the API with the session cookie and the CSRF header (request.user is
    then a lazy object, not a User)."""
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    browser.get("/")
    csrf = {"HTTP_X_CSRFTOKEN": browser.cookies["csrftoken"].value}
    data = files.video_with_metadata("video/mp4")
    body = {"filename": "a.mp4", "size": len(data), "content_type": "video/mp4", "sha256": files.sha256(data)}
    assert_error(browser.post(BASE, body, content_type="application/json"), 403, "forbidden")  # no CSRF header

    session = browser.post(BASE, body, content_type="application/json", **csrf).json()
    put = browser.put(f"{BASE}/{session['id']}/chunks/0", data, content_type="application/octet-stream",
                      HTTP_X_CHUNK_SHA256=files.sha256(data), **csrf)
    assert put.status_code == 204, put.content
    assert browser.get(f"{BASE}/{session['id']}").json()["received"] == [0]
    assert browser.post(f"{BASE}/{session['id']}/complete", **csrf).status_code == 201
