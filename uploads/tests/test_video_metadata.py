"""Issue 14 item 1: a video is never served with its metadata. Real MP4, MOV, WebM and Ogg files
are made with PyAV carrying GPS, make/model, title, comment, artist, encoder, handler names and
track titles (and x264's SEI in H.264); each goes up through the chunked upload API and the raw
bytes that are then served — from the URL the API answers, as a reader's browser would fetch
them — carry none of it, yet still play (re-opened, demuxed, first frame decoded). What cannot be
remuxed is refused with 400 and publishes nothing."""

from __future__ import annotations

import io

import av
import pytest

from treehole.testing import assert_error, auth_headers as auth, files
from uploads.models import StoredFile, UploadSession
from uploads.tests.conftest import stored_key

pytestmark = pytest.mark.django_db
BASE = "/api/v1/uploads/sessions"


def upload(client, data: bytes, content_type: str):
    body = {"filename": "VID_20250102_shanghai.mp4", "size": len(data), "content_type": content_type, "sha256": files.sha256(data)}
    session = client.post_json(BASE, body).json()
    size = session["chunk_size"]
    for index in range(session["total_chunks"]):
        chunk = data[index * size : (index + 1) * size]
        response = client.put(f"{BASE}/{session['id']}/chunks/{index}", chunk, content_type="application/octet-stream",
                              HTTP_X_CHUNK_SHA256=files.sha256(chunk), **auth(client))
        assert response.status_code == 204, response.content
    return client.post_json(f"{BASE}/{session['id']}/complete")


def plays(data: bytes) -> tuple[int, int, list[str]]:
    """(width, height of the first decoded frame, stream types) of a file a player opens."""
    with av.open(io.BytesIO(data)) as container:
        kinds = [stream.type for stream in container.streams]
        frame = next(container.decode(video=0))
        return frame.width, frame.height, kinds


@pytest.mark.parametrize("content_type", ["video/mp4", "video/quicktime", "video/webm", "video/ogg"])
def test_the_served_video_carries_no_metadata_and_still_plays(uploader, store, content_type):
    original = files.video_with_metadata(content_type)
    assert len(files.video_leaks(original)) >= 5  # the source really carries them
    response = upload(uploader, original, content_type)
    assert response.status_code == 201, response.content
    published = response.json()
    served = store.read(stored_key(store, published["url"]))
    assert files.video_leaks(served) == []
    assert b"SECRET" not in served and b"31.2304" not in served and b"121.4737" not in served
    assert plays(served) == (64, 48, ["video", "audio"])
    assert published["content_type"] == content_type and published["size"] == len(served)
    assert published["sha256"] == files.sha256(served)


def test_a_note_page_links_the_clean_file(uploader, store, author, categories, client):
    published = upload(uploader, files.video_with_metadata("video/mp4"), "video/mp4").json()
    note = uploader.post_json("/api/v1/notes", {"title": "海边", "content": "日落", "category": "life", "video_id": published["id"]}).json()
    assert note["video"]["url"] == published["url"]
    html = client.get(f"/notes/{note['id']}/").content.decode()
    assert published["url"].split("/")[-1] in html
    assert files.video_leaks(store.read(stored_key(store, note["video"]["url"]))) == []


@pytest.mark.parametrize(
    "make",
    [
        lambda: files.video_bytes(4000),  # an MP4 header over random bytes
        lambda: files.video_with_metadata("video/webm")[:600],  # cut short
        lambda: b"\x1a\x45\xdf\xa3" + files.video_with_metadata("video/mp4")[4:],  # EBML magic, MP4 inside
    ],
    ids=["random-bytes", "truncated", "disguised"],
)
def test_what_cannot_be_remuxed_is_refused_and_nothing_is_published(uploader, store, settings, make):
    data = make()
    content_type = "video/webm" if data.startswith(b"\x1a\x45\xdf\xa3") else "video/mp4"
    error = assert_error(upload(uploader, data, content_type), 400, "invalid", "file")
    assert error["message"]
    assert store.keys() == [] and StoredFile.objects.count() == 0 and not UploadSession.objects.exists()


def test_an_audio_only_file_is_no_video(uploader, store):
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as out:
        audio = out.add_stream("aac", rate=48000, layout="mono")
        files.mux_silence(out, audio, 5, audio.codec_context.frame_size or 1024)
    assert_error(upload(uploader, buffer.getvalue(), "video/mp4"), 400, "invalid", "file")
    assert store.keys() == []


def test_every_accepted_type_has_a_metadata_cleaner(settings):
    from uploads import video

    # A type added to UPLOAD_SESSION_CONTENT_TYPES without one would be refused, never served raw.
    assert all(video.supported(content_type) for content_type in settings.UPLOAD_SESSION_CONTENT_TYPES)
