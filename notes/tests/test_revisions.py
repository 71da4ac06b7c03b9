"""Edit history: an edit of the title or the content keeps the text it replaced, the note shows
"已编辑" with the time, anyone may read the revisions (no author), the admin shows them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.test import Client

from notes.models import Note, NoteRevision
from notes.services import note_set_hidden, note_update
from treehole import clock
from treehole.testing import make_note, make_user, token_client

pytestmark = pytest.mark.django_db

SECRET = "revisionwriter"


@pytest.fixture
def writer(db):
    return make_user(SECRET)


def test_an_edit_of_title_or_content_keeps_the_earlier_text_and_sets_edited_at(writer, categories):
    note = make_note(writer, title="第一版标题", content="第一版内容")
    assert note.edited_at is None
    first_edit, second_edit = note.created_at + timedelta(minutes=5), note.created_at + timedelta(hours=2)
    with clock.frozen(first_edit):
        note_update(note_id=note.pk, user=writer, content="第二版内容")
    with clock.frozen(second_edit):
        note_update(note_id=note.pk, user=writer, title="第三版标题")
    note.refresh_from_db()
    assert (note.title, note.content, note.edited_at) == ("第三版标题", "第二版内容", second_edit)
    revisions = list(NoteRevision.objects.filter(note=note).order_by("-edited_at").values_list(
        "title", "content", "written_at", "edited_at"))
    assert revisions == [
        ("第一版标题", "第二版内容", first_edit, second_edit),
        ("第一版标题", "第一版内容", note.created_at, first_edit),
    ]


def test_an_edit_that_changes_no_text_is_not_an_edit(writer, categories):
    note = make_note(writer, title="标题", content="内容")
    note_update(note_id=note.pk, user=writer, title="标题", content="内容", category="study")
    note.refresh_from_db()
    assert note.edited_at is None and note.category.slug == "study"
    assert not NoteRevision.objects.filter(note=note).exists()


def test_the_api_answers_revisions_newest_first_without_any_author(writer, categories, api_client):
    note = make_note(writer, anonymous=True, title="原来的标题", content="原来的内容")
    client = token_client(writer)
    assert client.get_json(f"/api/v1/notes/{note.pk}").json()["edited_at"] is None
    with clock.frozen(note.created_at + timedelta(minutes=1)):
        client.patch_json(f"/api/v1/notes/{note.pk}", {"content": "改过一次"})
    last = note.created_at + timedelta(minutes=2)
    with clock.frozen(last):
        answer = client.patch_json(f"/api/v1/notes/{note.pk}", {"content": "改过两次"})
    assert answer.status_code == 200 and answer.json()["edited_at"] == last.isoformat()
    response = api_client.get_json(f"/api/v1/notes/{note.pk}/revisions")
    assert response.status_code == 200
    assert response.json() == [
        {"title": "原来的标题", "content": "改过一次", "edited_at": last.isoformat()},
        {"title": "原来的标题", "content": "原来的内容", "edited_at": (note.created_at + timedelta(minutes=1)).isoformat()},
    ]
    # The Note every reader gets carries edited_at too (from the card).
    assert api_client.get_json(f"/api/v1/notes/{note.pk}").json()["edited_at"] == last.isoformat()
    raw = response.content.decode()
    assert SECRET not in raw and str(writer.pk) not in raw and "author" not in raw


def test_revisions_of_a_hidden_or_missing_note_are_a_404_but_staff_see_them(writer, categories, api_client, staff):
    note = make_note(writer)
    note_update(note_id=note.pk, user=writer, content="改了")
    note_set_hidden(note_id=note.pk, hidden=True)
    assert api_client.get_json(f"/api/v1/notes/{note.pk}/revisions").status_code == 404
    assert api_client.get_json("/api/v1/notes/123/revisions").status_code == 404
    assert api_client.get_json("/api/v1/notes/abc/revisions").status_code == 404
    assert len(token_client(staff).get_json(f"/api/v1/notes/{note.pk}/revisions").json()) == 1


def test_the_note_page_shows_edited_with_the_time_and_links_the_revisions(writer, categories):
    note = make_note(writer, anonymous=True, title="页面上的标题", content="最早的内容")
    html = Client().get(f"/notes/{note.pk}/").content.decode()
    assert "已编辑" not in html
    edit_time = note.created_at + timedelta(minutes=3)
    with clock.frozen(edit_time):
        note_update(note_id=note.pk, user=writer, content="后来的内容")
    html = Client().get(f"/notes/{note.pk}/").content.decode()
    shown = re.search(rf'<a class="edited" href="/notes/{note.pk}/revisions/">已编辑 · <time datetime="([^"]+)"', html)
    assert shown and datetime.fromisoformat(shown.group(1)) == edit_time.replace(microsecond=0)
    page = Client().get(f"/notes/{note.pk}/revisions/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "编辑记录" in html and "现在的版本" in html and "修改前的版本" in html
    assert html.index("后来的内容") < html.index("最早的内容")
    assert SECRET not in html and str(writer.pk) not in html
    assert Client().get("/notes/123/revisions/").status_code == 404


def test_the_admin_shows_revisions_read_only_and_no_anonymous_author(writer, categories):
    note = make_note(writer, anonymous=True, title="后台看的帖子", content="改之前")
    note_update(note_id=note.pk, user=writer, content="改之后")
    admin = make_user("revisionadmin", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    html = client.get(f"/admin/notes/note/{note.pk}/change/").content.decode()
    assert "历史版本" in html and "改之前" in html
    assert 'name="revisions-0-content"' not in html  # read-only: no form field for it
    assert SECRET not in html


def test_revisions_are_in_the_openapi_schema(api_client):
    schema = api_client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/notes/{note_id}/revisions"]["get"]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["items"]["$ref"]
    revision = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(revision["properties"]) == {"title", "content", "edited_at"}
    note = schema["components"]["schemas"]["NoteOut"]["properties"]["edited_at"]
    assert {"type": "null"} in note["anyOf"]
