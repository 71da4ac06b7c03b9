"""POST /api/v1/uploads/images on local disk and on S3: type from the bytes, metadata stripped,
limits enforced, and an error never leaves a stored file or a row behind."""

from __future__ import annotations

import io
import mimetypes
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image as PILImage

from treehole.testing import assert_error, auth_headers as auth, files, token_client
from uploads.models import Image
from uploads.tests.conftest import LocalStore, stored_key

pytestmark = pytest.mark.django_db
URL = "/api/v1/uploads/images"


def upload(client, data: bytes, name: str, content_type: str = "application/octet-stream", **fields):
    return client.post(URL, {"file": SimpleUploadedFile(name, data, content_type=content_type), **fields}, **auth(client))


def test_jpeg_with_gps_comes_back_without_any_exif(uploader, store):
    original = files.jpeg_with_gps()
    with PILImage.open(io.BytesIO(original)) as before:  # the input really carries GPS
        assert before.getexif().get_ifd(0x8825)

    response = upload(uploader, original, "IMG_0001.jpg", "image/jpeg")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "url", "thumb_url", "width", "height", "size"}
    assert isinstance(body["id"], str) and (body["width"], body["height"]) == (640, 480)
    for url in (body["url"], body["thumb_url"]):
        stored = store.read(stored_key(store, url))
        with PILImage.open(io.BytesIO(stored)) as image:
            assert image.format == "JPEG"
            assert len(image.getexif()) == 0
            assert "exif" not in image.info and "comment" not in image.info
        assert b"Exif" not in stored and b"SpyCam" not in stored and b"shot at home" not in stored
    assert body["size"] == len(store.read(stored_key(store, body["url"])))
    # The name says nothing about the uploader or the original name.
    assert "IMG_0001" not in body["url"] and str(Image.objects.get().owner_id) not in body["url"]


def test_png_renamed_jpg_is_stored_as_png(uploader, store):
    response = upload(uploader, files.png_bytes(), "holiday.jpg", "image/jpeg")

    assert response.status_code == 201, response.content
    url = response.json()["url"]
    assert url.endswith(".png")
    with PILImage.open(io.BytesIO(store.read(stored_key(store, url)))) as image:
        assert image.format == "PNG" and image.mode == "RGBA"
    assert Image.objects.get().content_type == "image/png"
    if isinstance(store, LocalStore):  # served by its name: the extension decides the type
        assert mimetypes.guess_type(stored_key(store, url))[0] == "image/png"
    else:  # S3 serves the object's own Content-Type
        assert store.head(stored_key(store, url))["ContentType"] == "image/png"


@pytest.mark.parametrize(
    ("make", "name", "status", "code"),
    [
        (lambda: b"just some notes, not a picture\n" * 20, "notes.png", 415, "unsupported_media_type"),
        (lambda: b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "x.png", 415, "unsupported_media_type"),
        (lambda: files.noisy_jpeg((400, 300))[:6000], "cut.jpg", 400, "invalid"),
        (lambda: files.png_bytes()[:60], "cut.png", 400, "invalid"),
        (lambda: files.png_bomb(8000), "bomb.png", 413, "payload_too_large"),  # 64 Mpx > the 40 Mpx limit
        (lambda: files.png_bomb(16000), "bomb2.png", 413, "payload_too_large"),  # 256 Mpx: Pillow's own bomb guard
        (lambda: files.video_bytes(11 * files.MIB), "big.jpg", 413, "payload_too_large"),
    ],
    ids=["text-as-png", "svg-as-png", "truncated-jpeg", "truncated-png", "bomb-64mpx", "bomb-256mpx", "11mb"],
)
def test_bad_images_get_the_right_error_and_nothing_is_stored(uploader, store, make, name, status, code):
    data = make()

    assert_error(upload(uploader, data, name, "image/png"), status, code)

    assert Image.objects.count() == 0
    assert store.keys() == []


def test_size_limit_is_checked_after_parsing_too(uploader, settings):
    settings.TREEHOLE_LIMITS = {**settings.TREEHOLE_LIMITS, "image_bytes": 1000}
    assert_error(upload(uploader, files.png_bytes((300, 300), "RGB") + b"\0" * 2000, "a.png"), 413, "payload_too_large")
    assert Image.objects.count() == 0


def test_animated_gif_keeps_its_first_frame_as_png(uploader, store):
    response = upload(uploader, files.gif_animated(), "dance.gif", "image/gif")

    assert response.status_code == 201, response.content
    with PILImage.open(io.BytesIO(store.read(stored_key(store, response.json()["url"])))) as image:
        assert image.format == "PNG" and getattr(image, "n_frames", 1) == 1


def test_thumbnail_is_small_and_avatar_is_square(uploader, store):
    big = files.noisy_jpeg((1600, 900), quality=70)
    body = upload(uploader, big, "wide.jpg").json()
    with PILImage.open(io.BytesIO(store.read(stored_key(store, body["thumb_url"])))) as thumb:
        assert max(thumb.size) <= 400
    avatar = upload(uploader, big, "me.jpg", purpose="avatar").json()
    assert (avatar["width"], avatar["height"]) == (256, 256)
    assert Image.objects.get(pk=avatar["id"]).purpose == "avatar"


def test_bad_purpose_and_missing_file_are_invalid(uploader):
    assert_error(upload(uploader, files.png_bytes(), "a.png", purpose="banner"), 400, "invalid", "purpose")
    assert_error(uploader.post(URL, {"purpose": "note"}, **auth(uploader)), 400, "invalid", "file")
    assert Image.objects.count() == 0


def test_upload_needs_a_signed_in_member_who_is_not_banned(api_client, user):
    assert_error(upload(api_client, files.png_bytes(), "a.png"), 401, "unauthenticated")
    user.is_banned = True
    user.save(update_fields=["is_banned"])
    assert_error(upload(token_client(user), files.png_bytes(), "a.png"), 403, "banned")
    assert Image.objects.count() == 0


def test_uploads_are_rate_limited(uploader, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "upload": (0.001, 2)}
    for _ in range(2):
        assert upload(uploader, files.png_bytes(), "a.png").status_code == 201
    response = upload(uploader, files.png_bytes(), "a.png")
    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) >= 1


def test_session_cookie_upload_needs_the_csrf_token(user):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(user)
    response = csrf_client.post(URL, {"file": SimpleUploadedFile("a.png", files.png_bytes())})
    assert_error(response, 403, "forbidden")
    csrf_client.get("/")  # sets the csrftoken cookie
    token = csrf_client.cookies["csrftoken"].value
    response = csrf_client.post(URL, {"file": SimpleUploadedFile("a.png", files.png_bytes())}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201, response.content


def test_images_claim_only_takes_the_uploaders_own(uploader, user, other_user):
    from treehole.errors import InvalidInput
    from uploads.services import images_claim

    mine = upload(uploader, files.png_bytes(), "a.png").json()["id"]
    theirs = upload(token_client(other_user), files.png_bytes(), "b.png").json()["id"]
    with pytest.raises(InvalidInput):
        images_claim(owner=user, image_ids=[int(mine), int(theirs)])
    assert not Image.objects.filter(attached=True).exists()
    assert [image.pk for image in images_claim(owner=user, image_ids=[int(mine)])] == [int(mine)]
    assert Image.objects.get(pk=mine).attached


def test_unattached_images_older_than_a_day_are_swept_with_their_files(uploader, user, store):
    from uploads.tasks import sweep_unattached_uploads

    old = upload(uploader, files.png_bytes(), "old.png").json()
    kept = upload(uploader, files.png_bytes(), "kept.png").json()
    fresh = upload(uploader, files.png_bytes(), "fresh.png").json()
    Image.objects.filter(pk__in=[old["id"], kept["id"]]).update(created_at=timezone.now() - timedelta(days=1, minutes=1))
    Image.objects.filter(pk=kept["id"]).update(attached=True)
    assert len(store.keys()) == 6

    result = sweep_unattached_uploads.call_local()

    assert result["images"] == 1
    assert set(Image.objects.values_list("pk", flat=True)) == {int(kept["id"]), int(fresh["id"])}
    assert len(store.keys()) == 4
    assert stored_key(store, old["url"]) not in store.keys()


def test_another_member_cannot_attach_my_avatar(uploader, other_user):
    from treehole.errors import InvalidInput
    from uploads.services import image_take_for_avatar

    avatar = upload(uploader, files.png_bytes(), "me.png", purpose="avatar").json()
    with pytest.raises(InvalidInput):
        image_take_for_avatar(owner=other_user, image_id=int(avatar["id"]))
    assert not Image.objects.get(pk=avatar["id"]).attached

