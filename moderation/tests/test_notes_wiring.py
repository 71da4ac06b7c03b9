"""Moderation wired into notes: the word filter on titles and text, held notes, the care card,
reports that fold a note, through the API and the pages."""

import pytest
from django.test import Client

from moderation import care, filters
from moderation.models import Case, CrisisPhrase, SensitiveWord
from notes.models import Note
from treehole.testing import ApiClient, assert_error, make_user, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(categories, generous_limits):
    """The categories, and no rate limit in the way."""


def words(*entries):
    for pattern, action in entries:
        SensitiveWord.objects.create(pattern=pattern, action=action)
    filters.matcher.invalidate()


def post(user, title="标题", content="内容"):
    return token_client(user).post_json(
        "/api/v1/notes", {"title": title, "content": content, "category": "emotion", "anonymous": True}
    )


def test_blocked_word_in_title_or_content_changes_nothing():
    words(("违禁词", "block"))
    author = make_user()
    assert_error(post(author, title="这里有违禁词"), 400, "invalid", "title")
    assert_error(post(author, content="正文里有违禁词"), 400, "invalid", "content")
    assert not Note.objects.exists()


def test_masked_word_is_saved_masked():
    words(("脏话", "mask"))
    response = post(make_user(), title="别说脏话", content="脏话不好")
    assert response.status_code == 201
    body = response.json()
    assert body["title"] == "别说**" and body["content"] == "**不好"


def test_held_note_is_visible_only_to_its_author_until_approved():
    from notes.services import note_set_held

    words(("待审词", "hold"))
    author, reader = make_user(), make_user()
    response = post(author, title="一个待审词")
    assert response.status_code == 201
    note_id = response.json()["id"]
    assert response.json()["pending_review"] is True
    assert token_client(author).get_json(f"/api/v1/notes/{note_id}").json()["pending_review"] is True
    assert_error(token_client(reader).get_json(f"/api/v1/notes/{note_id}"), 404, "not_found")
    assert_error(ApiClient().get_json(f"/api/v1/notes/{note_id}"), 404, "not_found")
    for order in ("new", "hot"):
        assert note_id not in [n["id"] for n in ApiClient().get_json("/api/v1/notes", {"order": order}).json()["results"]]
    assert [n["id"] for n in token_client(author).get_json("/api/v1/me/notes").json()["results"]] == [note_id]
    page = Client()
    page.force_login(author)
    assert "等待审核" in page.get(f"/notes/{note_id}/").content.decode()
    assert Case.objects.get(target_type="note", target_id=int(note_id)).held is True
    note_set_held(note_id=int(note_id), held=False)  # the moderator approves it
    assert token_client(reader).get_json(f"/api/v1/notes/{note_id}").json()["pending_review"] is False
    assert note_id in [n["id"] for n in ApiClient().get_json("/api/v1/notes", {"order": "new"}).json()["results"]]


def test_crisis_phrase_shows_the_care_card_and_tops_the_queue():
    CrisisPhrase.objects.get_or_create(phrase="不想活了")
    care.state.invalidate()
    author, reader = make_user(), make_user()
    note_id = post(author, title="好累", content="有时候觉得不想活了").json()["id"]
    case = Case.objects.get(target_type="note", target_id=int(note_id))
    assert case.crisis is True
    for viewer in (author, reader):
        client = Client()
        client.force_login(viewer)
        html = client.get(f"/notes/{note_id}/").content.decode()
        assert 'class="care-card"' in html
    calm = post(author, title="晴天", content="今天天气很好").json()["id"]
    assert 'class="care-card"' not in Client().get(f"/notes/{calm}/").content.decode()


def test_three_reports_fold_a_note_in_lists_and_pages():
    author = make_user()
    note_id = post(author, title="被举报的帖子").json()["id"]
    ApiClient().get_json("/api/v1/notes", {"order": "new"})  # the list is cached
    for _ in range(3):
        response = token_client(make_user()).post_json(
            "/api/v1/reports", {"target_type": "note", "target_id": note_id, "reason": "spam"}
        )
        assert response.status_code == 201, response.content
    listed = ApiClient().get_json("/api/v1/notes", {"order": "new"}).json()["results"]
    assert [n["folded"] for n in listed if n["id"] == note_id] == [True]
    assert ApiClient().get_json(f"/api/v1/notes/{note_id}").json()["folded"] is True
    assert "多人举报，已折叠" in Client().get("/").content.decode()
    assert "多人举报，已折叠" in Client().get(f"/notes/{note_id}/").content.decode()


def test_report_button_for_readers_not_for_the_author():
    author, reader = make_user(), make_user()
    note_id = post(author).json()["id"]
    client = Client()
    client.force_login(reader)
    assert 'data-target-type="note"' in client.get(f"/notes/{note_id}/").content.decode()
    client.force_login(author)
    assert 'data-target-type="note"' not in client.get(f"/notes/{note_id}/").content.decode()
