"""Issue 14 item 8 through the real doors: a lone surrogate in any JSON string is a 400 on its
field (MySQL cannot store it: it answered 500), invisible-only text is refused as empty, bidi
overrides and controls never reach the database, and text is stored in NFC."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from comments.models import Comment
from moderation.models import Report
from notes.models import Note
from treehole.testing import make_note
from treehole.testing import DEFAULT_PASSWORD, ApiClient, assert_error, make_user, token_client

pytestmark = pytest.mark.django_db

LONE = "\ud800"
RLO, PDF, ZWSP = "\u202e", "\u202c", "\u200b"


def _note_body(**fields):
    return {"title": "标题", "content": "内容", "category": "study", **fields}


@pytest.fixture(autouse=True)
def _limits(settings):
    limits = dict(settings.RATE_LIMITS)
    for action in ("comment", "report", "login", "upload", "email_code", "register"):
        limits[action] = (1e6, 1e6)
    settings.RATE_LIMITS = limits


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "/api/v1/notes", _note_body(title=f"a{LONE}"), "title"),
        ("post", "/api/v1/notes", _note_body(content=LONE), "content"),
        ("post", "/api/v1/notes", _note_body(category=LONE), "category"),
        ("post", "/api/v1/notes", _note_body(image_ids=["1", LONE]), "image_ids"),
        ("post", "/api/v1/notes", {**_note_body(), f"x{LONE}": 1}, f"x{LONE}"),
        ("patch", "/api/v1/me", {"bio": f"hi {LONE}"}, "bio"),
        ("patch", "/api/v1/me", {"username": f"name{LONE}"}, "username"),
        ("post", "/api/v1/reports", {"target_type": "note", "target_id": "1", "reason": "other", "text": LONE}, "text"),
        ("post", "/api/v1/uploads/sessions", {"filename": f"{LONE}.mp4", "size": 10, "content_type": "video/mp4", "sha256": "0" * 64}, "filename"),
        ("post", "/api/v1/auth/login", {"login": "someone", "password": f"pw{LONE}"}, "password"),
        ("post", "/api/v1/auth/email-code", {"email": f"a{LONE}@example.com", "purpose": "register"}, "email"),
        ("post", "/api/v1/auth/refresh", {"refresh": LONE}, "refresh"),
    ],
)
def test_a_lone_surrogate_in_any_json_string_is_a_400_on_its_field(author_client, categories, method, path, body, field):
    response = getattr(author_client, f"{method}_json")(path, body)
    error = assert_error(response, 400, "invalid")
    assert list(error["fields"]) == [field.replace(LONE, "\\ud800")]
    assert Note.objects.count() == 0 and Report.objects.count() == 0


def test_a_surrogate_in_a_comment_stores_nothing(author_client, note):
    response = author_client.post_json(f"/api/v1/notes/{note.pk}/comments", {"content": f"好{LONE}"})
    assert_error(response, 400, "invalid", "content")
    assert Comment.objects.count() == 0


@pytest.mark.parametrize("invisible", [ZWSP * 5, "\u200e\u200f\u2066\u2069", "\u3164", " \x00 \t", f"{RLO}{PDF}"])
def test_invisible_only_text_is_refused_as_empty(author_client, categories, invisible):
    response = author_client.post_json("/api/v1/notes", _note_body(content=invisible))
    assert_error(response, 400, "invalid", "content")
    response = author_client.post_json("/api/v1/notes", _note_body(title=invisible))
    assert_error(response, 400, "invalid", "title")
    assert Note.objects.count() == 0


def test_bidi_overrides_and_controls_never_reach_the_database(author_client, categories, author):
    response = author_client.post_json(
        "/api/v1/notes", _note_body(title=f"photo{RLO}gpj.exe{PDF}", content=f"line\x00one\r\nline{ZWSP}two cafe\u0301")
    )
    assert response.status_code == 201, response.content
    note = Note.objects.get()
    assert note.title == "photogpj.exe"
    assert note.content == "lineone\nlinetwo caf\u00e9"
    assert response.json()["title"] == note.title

    response = author_client.patch_json("/api/v1/me", {"bio": f"{RLO}desrever{PDF} bio"})
    assert response.status_code == 200, response.content
    author.refresh_from_db()
    assert author.bio == "desrever bio"


def test_comment_text_is_normalised(author_client, note):
    response = author_client.post_json(f"/api/v1/notes/{note.pk}/comments", {"content": f"{RLO}嗨{PDF}\x07"})
    assert response.status_code == 201, response.content
    assert Comment.objects.get().content == "嗨"


def test_an_invisible_comment_is_refused(author_client, note):
    assert_error(author_client.post_json(f"/api/v1/notes/{note.pk}/comments", {"content": ZWSP}), 400, "invalid", "content")


def test_report_text_is_normalised(note, other):
    client = token_client(other)
    response = client.post_json(
        "/api/v1/reports", {"target_type": "note", "target_id": str(note.pk), "reason": "other", "text": f"看{RLO}这里"}
    )
    assert response.status_code == 201, response.content
    assert Report.objects.get().text == "看这里"


def test_login_with_an_unstorable_password_is_a_400_not_a_500(categories):
    make_user("surro")
    response = ApiClient().post_json("/api/v1/auth/login", {"login": "surro", "password": DEFAULT_PASSWORD + LONE})
    assert_error(response, 400, "invalid", "password")


# --- pages --------------------------------------------------------------------------------------

def test_the_compose_page_refuses_invisible_only_content(author, categories):
    client = Client()
    client.force_login(author)
    response = client.post("/notes/new/", {"title": "标题", "content": ZWSP * 3 + "\u3164", "category": "help"})
    assert response.status_code == 400
    assert "内容不能为空" in response.content.decode()
    assert Note.objects.count() == 0


def test_the_compose_page_strips_a_right_to_left_override(author, categories):
    client = Client()
    client.force_login(author)
    response = client.post("/notes/new/", {"title": f"abc{RLO}def", "content": f"x{RLO}y", "category": "help"})
    assert response.status_code == 302, response.content[:300]
    note = Note.objects.get()
    assert (note.title, note.content) == ("abcdef", "xy")


def test_the_comment_form_refuses_invisible_only_content(author, note):
    client = Client()
    client.force_login(author)
    client.post(f"/notes/{note.pk}/comments/", {"content": ZWSP * 4})
    assert Comment.objects.count() == 0


def test_the_profile_page_normalises_the_bio(author, categories):
    client = Client()
    client.force_login(author)
    client.post("/accounts/me/edit/", {"username": author.username, "gender": "unknown", "bio": f"{RLO}olleh"})
    author.refresh_from_db()
    assert author.bio == "olleh"


def test_the_search_query_is_normalised_not_crashed(api_client, author, categories):
    make_note(author, title="找工作", content="考研还是工作")
    response = api_client.get("/api/v1/notes/search", {"q": f"工{ZWSP}作\x00"})
    assert response.status_code == 200, response.content
    assert response.json()["total"] == 1
    assert json.loads(response.content)["results"][0]["title"] == "找工作"
