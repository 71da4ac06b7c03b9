"""A hidden note stays in its author's 我的帖子 (and /me/notes), marked with the moderator's
reason; a ban's next page says the member was banned, until when and why."""

from __future__ import annotations

import pytest
from django.test import Client

from moderation import services
from moderation.models import Case
from treehole.testing import make_user, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(settings, categories):  # noqa: ARG001 - the notes need their categories
    limits = dict(settings.RATE_LIMITS)
    for action in ("global", "anon", "post", "report"):
        limits[action] = (1e6, 1e6)
    settings.RATE_LIMITS = limits


def _hidden_note(author, reason="含有他人的联系方式"):
    from notes.services import note_create

    visible = note_create(author=author, title="还在", content="这一篇没问题", category="life")
    note = note_create(author=author, title="被隐藏的", content="这里有电话 123", category="life")
    reporter = make_user()
    token_client(reporter).post_json(
        "/api/v1/reports", {"target_type": "note", "target_id": str(note.pk), "reason": "privacy"}
    )
    staff = make_user(is_staff=True)
    services.case_hide(case=Case.objects.get(target_type="note", target_id=note.pk), moderator=staff, reason=reason)
    return visible, note


def test_my_notes_page_shows_a_hidden_note_marked_with_the_reason():
    author = make_user()
    visible, hidden = _hidden_note(author)
    client = Client()
    client.force_login(author)
    html = client.get("/me/notes/").content.decode()
    assert "被隐藏的" in html and "还在" in html
    assert "已被隐藏" in html and "原因：含有他人的联系方式" in html
    assert f'href="/notes/{hidden.pk}/"' not in html  # the note page is gone for everyone
    assert f'href="/notes/{visible.pk}/"' in html
    # Nobody else sees it, on the note page or the author's public list.
    assert Client().get(f"/notes/{hidden.pk}/").status_code == 404


def test_me_notes_api_has_the_state_and_reason_and_the_schema_says_so():
    author = make_user()
    visible, hidden = _hidden_note(author, reason="")
    body = token_client(author).get_json("/api/v1/me/notes").json()
    states = {note["id"]: (note["moderation_state"], note["hidden_reason"]) for note in body["results"]}
    assert states == {str(hidden.pk): ("hidden", None), str(visible.pk): ("visible", None)}
    assert body["total"] == 2
    public = Client().get("/api/v1/notes", {"order": "new"}).json()
    assert all("moderation_state" not in note for note in public["results"])
    schema = Client().get("/api/v1/openapi.json").json()
    note_schema = schema["components"]["schemas"]["NoteOut"]["properties"]
    assert "moderation_state" in note_schema and "hidden_reason" in note_schema
    assert set(note_schema["moderation_state"]["anyOf"][0]["enum"]) == {"visible", "pending_review", "hidden"}


def test_a_ban_signs_the_member_out_and_the_next_page_says_until_when_and_why():
    from notes.services import note_create

    member, staff = make_user(), make_user(is_staff=True)
    client = Client()
    client.force_login(member)
    assert client.get("/").context["user"].is_authenticated
    note = note_create(author=member, title="x", content="广告广告", category="life")
    token_client(make_user()).post_json("/api/v1/reports", {"target_type": "note", "target_id": str(note.pk), "reason": "spam"})
    services.case_ban_author(case=Case.objects.get(target_id=note.pk), moderator=staff, days=3, reason="发广告")
    response = client.get("/")
    html = response.content.decode()
    assert not response.context["user"].is_authenticated
    assert "你的账号已被封禁至" in html and "所以已退出登录" in html and "原因：发广告" in html
    member.refresh_from_db()
    from treehole.when import describe

    assert describe(member.banned_until).exact[:16] in html
    # Said once: the page after that is an ordinary signed-out page.
    assert "已被封禁" not in client.get("/").content.decode()


def test_signing_out_everywhere_is_not_a_ban_notice():
    from accounts import services as account_services

    member = make_user()
    client = Client()
    client.force_login(member)
    account_services.user_revoke_tokens(user=member)
    assert "封禁" not in client.get("/").content.decode()
