"""The note pages, the admin's actions and the demo seeder."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from notes import ranking
from notes.models import Category, Note
from notes.services import note_vote
from treehole.testing import make_note, make_user
from treehole.redis import get_redis

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_home_has_tabs_chips_cards_and_search(client, author, categories):
    hot = make_note(author, title="热帖", category="study")
    make_note(author, title="新帖", category="life")
    note_vote(note_id=hot.pk, user=make_user(), value=1)
    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("热帖") < html.index("新帖")
    for text in ('name="q"', "?order=hot", "?order=new", "学业", "生活", "css/notes.css", f"/notes/{hot.pk}/"):
        assert text in html
    newest = client.get("/", {"order": "new"}).content.decode()
    assert newest.index("新帖") < newest.index("热帖")
    only_life = client.get("/", {"category": "life"}).content.decode()
    assert "新帖" in only_life and "热帖" not in only_life
    assert client.get("/", {"category": "nope"}).status_code == 404


def test_home_paginates(client, author, categories):
    for _ in range(25):
        make_note(author)
    first = client.get("/", {"order": "new"}).content.decode()
    assert 'rel="next"' in first and "page=2" in first
    second = client.get("/", {"order": "new", "page": 2}).content.decode()
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_an_anonymous_note_page_never_shows_its_author(client, author, note):
    html = client.get(f"/notes/{note.pk}/").content.decode()
    assert "洞主" in html and note.content in html
    assert author.username not in html and str(author.pk) not in html


def test_note_page_vote_buttons_and_owner_actions(author, other, note):
    html = signed_in(other).get(f"/notes/{note.pk}/").content.decode()
    assert f'data-vote-url="/api/v1/notes/{note.pk}/vote"' in html and "js/notes.js" in html
    assert "次浏览" in html and f"/notes/{note.pk}/edit/" not in html
    mine = signed_in(author).get(f"/notes/{note.pk}/").content.decode()
    assert f"/notes/{note.pk}/edit/" in mine and f"/notes/{note.pk}/delete/" in mine
    signed_out = Client().get(f"/notes/{note.pk}/").content.decode()
    assert "data-login-url" in signed_out


def test_note_page_not_found(client, categories):
    assert client.get("/notes/123/").status_code == 404
    assert client.get("/notes/abc/").status_code == 404


def test_the_session_cookie_votes_through_the_api(other, note):
    client = Client(enforce_csrf_checks=True)
    client.force_login(other)
    client.get(f"/notes/{note.pk}/")  # sets the CSRF cookie, as the page does
    token = client.cookies["csrftoken"].value
    response = client.put(f"/api/v1/notes/{note.pk}/vote", '{"value": 1}', content_type="application/json",
                          HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200 and response.json()["my_vote"] == 1


def test_compose_needs_sign_in(client, categories):
    response = client.get("/notes/new/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_compose_publishes_and_redirects(author, categories):
    client = signed_in(author)
    page = client.get("/notes/new/").content.decode()
    assert 'name="video_id"' in page and "data-image-input" in page
    response = client.post("/notes/new/", {"title": "页面发帖", "content": "你好树洞", "category": "help", "anonymous": "on"})
    note = Note.objects.get(title="页面发帖")
    assert response.status_code == 302 and response["Location"] == f"/notes/{note.pk}/"
    assert note.anonymous and note.category.slug == "help"
    assert get_redis().exists(ranking.info_key(note.pk))


def test_compose_shows_validation_messages(author, categories):
    response = signed_in(author).post("/notes/new/", {"title": "", "content": "字" * 5001, "category": "nope"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "标题不能为空" in html and "5000" in html and "请选择一个存在的分类" in html
    assert not Note.objects.exists()


def test_compose_refuses_a_banned_user(categories):
    banned = make_user(is_banned=True)
    response = signed_in(banned).post("/notes/new/", {"title": "x", "content": "x", "category": "help"})
    assert response.status_code == 403 and "封禁" in response.content.decode()


def test_edit_page(author, other, note):
    client = signed_in(author)
    assert "anonymous" not in client.get(f"/notes/{note.pk}/edit/").content.decode()
    response = client.post(f"/notes/{note.pk}/edit/", {"title": "页面改", "content": "新内容", "category": "chat"})
    assert response.status_code == 302
    assert "页面改" in client.get(f"/notes/{note.pk}/").content.decode()
    assert signed_in(other).get(f"/notes/{note.pk}/edit/").status_code == 403
    assert signed_in(author).post(f"/notes/{note.pk}/edit/", {"title": "", "content": "x", "category": "chat"}).status_code == 400


def test_delete_from_the_page(author, other, note):
    assert signed_in(other).post(f"/notes/{note.pk}/delete/").status_code == 403
    assert signed_in(author).get(f"/notes/{note.pk}/delete/").status_code == 405
    response = signed_in(author).post(f"/notes/{note.pk}/delete/")
    assert response.status_code == 302 and not Note.objects.filter(pk=note.pk).exists()


def test_my_notes_and_search_pages(author, other, categories):
    make_note(author, title="我的失眠")
    make_note(other, title="别人的失眠")
    mine = signed_in(author).get("/me/notes/").content.decode()
    assert "我的失眠" in mine and "别人的失眠" not in mine
    assert Client().get("/me/notes/").status_code == 302
    found = Client().get("/notes/search/", {"q": "失眠"}).content.decode()
    assert "我的失眠" in found and "别人的失眠" in found and "找到 2 篇帖子" in found
    too_long = Client().get("/notes/search/", {"q": "x" * 101})
    assert too_long.status_code == 400 and "搜索内容最多 100 个字" in too_long.content.decode()


def test_nav_links(author, categories):
    html = signed_in(author).get("/").content.decode()
    assert 'href="/notes/new/"' in html and 'href="/me/notes/"' in html


def test_admin_actions_go_through_the_services(staff, author, categories, client):
    staff.is_superuser = True
    staff.save()
    admin = signed_in(staff)
    notes = [make_note(author) for _ in range(3)]
    Client().get("/api/v1/notes", {"order": "new"})  # the new set is built
    changelist = admin.get("/admin/notes/note/", {"q": notes[0].title})
    # Anonymous: the list links to the audited author page instead of naming the author (issue 14 #15).
    assert changelist.status_code == 200 and author.username not in changelist.content.decode()
    assert f"/admin/moderation/case/author/note/{notes[0].pk}/" in changelist.content.decode()
    admin.post("/admin/notes/note/", {"action": "hide", "_selected_action": [notes[0].pk]})
    assert Note.objects.get(pk=notes[0].pk).hidden
    assert ranking.member(notes[0].pk) not in get_redis().zrange(ranking.set_key("time"), 0, -1)
    admin.post("/admin/notes/note/", {"action": "unhide", "_selected_action": [notes[0].pk]})
    assert ranking.member(notes[0].pk) in get_redis().zrange(ranking.set_key("time"), 0, -1)
    admin.post("/admin/notes/note/", {"action": "delete_through_service", "_selected_action": [notes[1].pk]})
    assert not Note.objects.filter(pk=notes[1].pk).exists()
    assert not get_redis().exists(ranking.info_key(notes[1].pk))
    assert admin.get(f"/admin/notes/note/{notes[2].pk}/change/").status_code == 200
    assert admin.get("/admin/notes/category/").status_code == 200


def test_seed_demo_adds_categories_and_notes(categories):
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
    demo_notes = Note.objects.filter(author__username="demo")
    assert demo_notes.count() == 6
    assert demo_notes.filter(anonymous=True).exists() and demo_notes.filter(anonymous=False).exists()
    assert set(Category.objects.values_list("name", flat=True)) >= {"情感", "学业", "生活", "求助", "闲聊"}
    body = Client().get("/api/v1/notes", {"order": "hot"}).json()
    assert body["total"] == 6 and body["results"][0]["approve"] == 1
