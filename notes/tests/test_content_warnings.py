"""Content warnings: the author's own (≤ 30 characters, normalised), on create and edit, through
the API and the compose page; cards and the note page fold the content behind it for readers
who keep the default, and one click (<details>, no JavaScript) opens it."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from notes.models import Note, NoteRevision
from notes.services import note_create, note_filter_save, note_update
from treehole.testing import assert_error, token_client

pytestmark = pytest.mark.django_db

SPOILER = "结局是主角其实早就不在了"


def warned(author, warning="剧透", **fields):
    return note_create(author=author, title=fields.pop("title", "看完那部电影"), content=SPOILER, category="life",
                       content_warning=warning, **fields)


def test_the_api_takes_a_normalised_warning_on_create_and_edit(author, categories, api_client):
    client = token_client(author)
    response = client.post_json("/api/v1/notes", {"title": "电影", "content": SPOILER, "category": "life",
                                                  "content_warning": "  剧透\u200b\n结局 "})
    assert response.status_code == 201, response.content
    note = response.json()
    assert note["content_warning"] == "剧透 结局"  # one line, invisibles removed, trimmed (treehole/text.py)
    assert api_client.get_json(f"/api/v1/notes/{note['id']}").json()["content_warning"] == "剧透 结局"
    assert api_client.get_json("/api/v1/notes", {"order": "new"}).json()["results"][0]["content_warning"] == "剧透 结局"
    # Changing or removing it is not an edit of the text: no revision, no 已编辑.
    answer = client.patch_json(f"/api/v1/notes/{note['id']}", {"content_warning": "自伤"})
    assert answer.status_code == 200 and answer.json()["content_warning"] == "自伤" and answer.json()["edited_at"] is None
    assert client.patch_json(f"/api/v1/notes/{note['id']}", {"content_warning": ""}).json()["content_warning"] == ""
    assert not NoteRevision.objects.exists()
    plain = client.post_json("/api/v1/notes", {"title": "无提醒", "content": "内容", "category": "life"}).json()
    assert plain["content_warning"] == ""


def test_a_warning_longer_than_30_characters_is_a_400_on_its_field(author, categories):
    client = token_client(author)
    body = {"title": "电影", "content": SPOILER, "category": "life", "content_warning": "长" * 31}
    assert_error(client.post_json("/api/v1/notes", body), 400, "invalid", "content_warning")
    note = warned(author)
    assert_error(client.patch_json(f"/api/v1/notes/{note.pk}", {"content_warning": "长" * 31}), 400, "invalid", "content_warning")
    assert_error(client.patch_json(f"/api/v1/notes/{note.pk}", {"content_warning": None}), 400, "invalid", "content_warning")
    note.refresh_from_db()
    assert note.content_warning == "剧透" and Note.objects.count() == 1
    with pytest.raises(Exception) as raised:
        note_create(author=author, title="t", content="c", category="life", content_warning="长" * 31)
    assert raised.value.fields == {"content_warning": ["最多 30 个字。"]}


def folded_card(html: str) -> str | None:
    found = re.search(r'<details class="content-warning"><summary>.*?</summary>(.*?)</details>', html, re.S)
    return found.group(1) if found else None


def test_cards_and_the_note_page_fold_it_for_readers_with_the_default(author, other, categories):
    note = warned(author)
    for client in (Client(), signed_in(other)):
        home = client.get("/?order=new").content.decode()
        assert "内容提醒：剧透（点击展开）" in home
        inside = folded_card(home)
        assert inside is not None and SPOILER in inside  # the excerpt is inside the fold
        assert "看完那部电影" in home.split('<details class="content-warning">')[0]  # the title is not folded
        page = client.get(f"/notes/{note.pk}/").content.decode()
        folded = re.search(r'<details class="fold content-warning"><summary>.*?内容提醒：剧透（点击展开）</summary>(.*?)</details>', page, re.S)
        assert folded and SPOILER in folded.group(1)
        assert page.count(SPOILER) == 1  # nowhere outside the fold


def test_a_reader_who_does_not_fold_sees_the_content_with_the_warning_as_a_label(author, other, categories):
    note = warned(author)
    note_filter_save(user=other, muted_categories=[], muted_keywords=[], fold_warnings=False)
    client = signed_in(other)
    home = client.get("/?order=new").content.decode()
    assert folded_card(home) is None and SPOILER in home
    page = client.get(f"/notes/{note.pk}/").content.decode()
    assert '<details class="fold content-warning">' not in page
    assert "内容提醒：剧透" in page and SPOILER in page


def test_the_compose_and_edit_pages_set_and_change_the_warning(author, categories):
    client = signed_in(author)
    form = client.get("/notes/new/").content.decode()
    assert "给读者的提醒（可选）" in form and 'maxlength="30"' in form
    response = client.post("/notes/new/", {"title": "电影", "content": SPOILER, "category": "life", "anonymous": "on",
                                           "content_warning": "剧透"})
    assert response.status_code == 302
    note = Note.objects.get()
    assert note.content_warning == "剧透"
    edit = client.get(f"/notes/{note.pk}/edit/").content.decode()
    assert 'value="剧透"' in edit
    client.post(f"/notes/{note.pk}/edit/", {"title": "电影", "content": SPOILER, "category": "life", "content_warning": ""})
    note.refresh_from_db()
    assert note.content_warning == "" and note.edited_at is None
    response = client.post("/notes/new/", {"title": "电影", "content": SPOILER, "category": "life",
                                           "content_warning": "长" * 31})
    assert response.status_code == 400 and "最多 30 个字" in response.content.decode()


def test_the_warning_is_in_the_openapi_schema(api_client):
    schemas = api_client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert schemas["NoteIn"]["properties"]["content_warning"]["maxLength"] == 30
    assert schemas["NotePatchIn"]["properties"]["content_warning"]["maxLength"] == 30
    assert "content_warning" in schemas["NoteOut"]["required"]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
