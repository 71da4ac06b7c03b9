"""A large video goes up in chunks with a visible progress bar; the page is reloaded half-way and
the upload resumes from the chunks the server already has, then the note is posted with it."""

from __future__ import annotations

import importlib
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.support import quick_user, sign_in
from treehole.testing import files

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHUNK = 1024 * 1024  # the e2e server runs with UPLOAD_CHUNK_BYTES=1 MiB (support.LiveServer)
CHUNKS = 5


@pytest.fixture
def categories():
    from django.apps import apps

    importlib.import_module("notes.migrations.0002_seed_categories").seed(apps, None)


@pytest.fixture
def big_video(tmp_path):
    """A real MP4 of a bit over 3.5 chunks (the server remuxes it without its metadata, so it must
    be one). A file on disk, so the browser's File keeps its name, size and mtime across the
    reload (the widget's resume fingerprint)."""
    path = tmp_path / "海边的日落.mp4"
    files.write_big_video(path, CHUNK * (CHUNKS - 1) + CHUNK // 4)  # the last packet may overshoot: still 5 chunks
    assert -(-path.stat().st_size // CHUNK) == CHUNKS
    return path


def test_a_large_upload_resumes_after_a_reload(new_page, categories, big_video):
    page = new_page()
    sign_in(page, quick_user("uploader"))
    page.goto("/notes/new/")
    widget = page.locator("[data-chunked-upload]")
    expect(widget).to_have_attribute("data-ready", "1")

    # Let the first two chunks through and hold back the rest, then reload mid-upload.
    held = []

    def chunks(route):
        index = int(route.request.url.rsplit("/", 1)[-1])
        if index < 2:
            route.continue_()
        else:
            held.append(index)

    page.route(re.compile(r"/api/v1/uploads/sessions/\d+/chunks/\d+$"), chunks)
    with page.expect_response(re.compile(r"/api/v1/uploads/sessions$")) as created, \
            page.expect_response(re.compile(r"/chunks/0$"), timeout=30_000) as first, \
            page.expect_response(re.compile(r"/chunks/1$"), timeout=30_000) as second:
        widget.locator("[data-role=picker]").set_input_files(big_video)
    session = created.value.json()
    assert (session["chunk_size"], session["total_chunks"]) == (CHUNK, CHUNKS), session
    assert first.value.status == 204 and second.value.status == 204
    progress = widget.locator("[data-role=progress]")
    expect(progress).to_be_visible()
    expect(widget.locator("[data-role=status]")).to_contain_text("正在上传…")
    assert 0 < float(progress.get_attribute("value")) < 100
    expect(widget.locator("[data-role=pause]")).to_be_visible()

    page.reload()  # the held chunks die with the page
    page.unroute(re.compile(r"/api/v1/uploads/sessions/\d+/chunks/\d+$"))
    widget = page.locator("[data-chunked-upload]")
    expect(widget).to_have_attribute("data-ready", "1")
    hint = widget.locator("[data-role=hint]")
    expect(hint).to_be_visible()
    expect(hint).to_contain_text("有未完成的上传：海边的日落.mp4")

    # Picking the same file again sends only what is missing.
    sent = []
    page.on("request", lambda request: "/chunks/" in request.url and sent.append(int(request.url.rsplit("/", 1)[-1])))
    widget.locator("[data-role=picker]").set_input_files(big_video)
    status = widget.locator("[data-role=status]")
    expect(status).to_have_text("上传完成。", timeout=30_000)
    assert sorted(sent) == list(range(2, CHUNKS)), sent
    expect(progress).to_have_attribute("value", "100")
    expect(widget).to_have_attribute("data-state", "done")
    video_id = widget.locator("[data-role=value]").input_value()
    assert re.fullmatch(r"\d+", video_id), video_id
    expect(widget.locator("[data-role=preview]")).to_have_attribute("src", re.compile(r"/media/.+\.mp4$"))

    # The note goes out with its video.
    page.get_by_label("标题").fill("海边的日落")
    page.get_by_label("内容").fill("今天的日落特别好看，录了一段。")
    page.get_by_label("分类").select_option(label="生活")
    page.get_by_role("button", name="发布").click()
    expect(page.locator(".message")).to_have_text("发布成功。")
    expect(page.locator("video.note-video")).to_have_attribute("src", re.compile(r"/media/.+\.mp4$"))


def test_pause_then_resume_without_picking_the_file_again(new_page, categories, big_video):
    page = new_page()
    sign_in(page, quick_user("pauser"))
    page.goto("/notes/new/")
    widget = page.locator("[data-chunked-upload]")
    expect(widget).to_have_attribute("data-ready", "1")
    pattern = re.compile(r"/api/v1/uploads/sessions/\d+/chunks/\d+$")
    page.route(pattern, lambda route: route.continue_() if int(route.request.url.rsplit("/", 1)[-1]) < 2 else None)
    with page.expect_response(re.compile(r"/chunks/1$"), timeout=30_000):
        widget.locator("[data-role=picker]").set_input_files(big_video)
    button = widget.locator("[data-role=pause]")
    expect(button).to_have_text("暂停")
    button.click()
    expect(widget).to_have_attribute("data-state", "paused")
    expect(button).to_have_text("继续")  # it used to keep saying 暂停 (or vanish)
    expect(widget.locator("[data-role=status]")).to_contain_text("已暂停")

    page.unroute(pattern)
    sent = []
    page.on("request", lambda request: "/chunks/" in request.url and sent.append(int(request.url.rsplit("/", 1)[-1])))
    button.click()  # no file picker: the page still holds the file
    expect(widget.locator("[data-role=status]")).to_have_text("上传完成。", timeout=30_000)
    assert sorted(sent) == list(range(2, CHUNKS)), sent
    expect(button).to_be_hidden()
    assert re.fullmatch(r"\d+", widget.locator("[data-role=value]").input_value())
