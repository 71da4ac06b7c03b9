"""The pages: the bell with its count (no SQL for it when warm), the notification list (grouped,
unread marked, 全部已读), opening an entry (read, then the floor), 我的关注 / 我的收藏, the
follow and bookmark buttons, and the profile's links to 我的评论 and 我的举报."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from comments.services import comment_create
from notes.services import note_bookmark
from notifications.models import Notification
from treehole.testing import make_note, make_user

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def bell_count(html: str) -> str:
    match = re.search(r'data-unread-count(?: hidden)?>(\d+)<', html)
    assert match, html[:2000]
    return match.group(1)


def test_the_bell_shows_the_unread_count_on_every_page(author, note):
    client = signed_in(author)
    assert bell_count(client.get("/").content.decode()) == "0"
    comment_create(user=make_user(), note_id=note.pk, content="你好")
    html = client.get("/").content.decode()
    assert bell_count(html) == "1" and "1 条未读" in html and "/static/js/events.js" in html
    assert 'data-events-url="/ws/events/"' in html


def test_signed_out_pages_have_no_bell_and_the_pages_ask_to_sign_in():
    client = Client()
    html = client.get("/").content.decode()
    assert "data-bell" not in html and "events.js" not in html
    for path in ("/notifications/", "/me/following/", "/me/bookmarks/", "/notifications/1/"):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_list_marks_unread_groups_by_day_and_reads_all(author, note):
    other_note = make_note(author)
    comment_create(user=make_user(), note_id=note.pk, content="第一条评论")
    comment_create(user=make_user(), note_id=other_note.pk, content="第二条评论")
    client = signed_in(author)
    html = client.get("/notifications/").content.decode()
    assert html.count('class="notification is-unread"') == 2 and "今天" in html and "全部已读" in html
    assert "Alice 评论了你关注的帖子" in html and "第二条评论" in html
    assert html.index("第二条评论") < html.index("第一条评论")  # newest first
    response = client.post("/notifications/read-all/")
    assert response.status_code == 302
    html = client.get("/notifications/").content.decode()
    assert "is-unread" not in html and bell_count(html) == "0" and "没有未读通知" in html


def test_opening_an_entry_marks_it_read_and_goes_to_its_floor(author, note, settings):
    settings.COMMENTS_THREAD_PAGE_SIZE = 2
    users = [make_user() for _ in range(3)]
    comment_create(user=users[0], note_id=note.pk, content="一楼")
    comment_create(user=users[1], note_id=note.pk, content="二楼")
    comment_create(user=author, note_id=note.pk, content="洞主三楼")
    row = Notification.objects.get(user=author, kind="comment")
    client = signed_in(author)
    response = client.get(f"/notifications/{row.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/notes/{note.pk}/#floor-1"
    row.refresh_from_db()
    assert row.read_at is not None and row.count == 2
    comment_create(user=users[2], note_id=note.pk, content="四楼")
    fourth = Notification.objects.get(user=author, read_at__isnull=True)
    assert client.get(f"/notifications/{fourth.pk}/")["Location"] == f"/notes/{note.pk}/?cpage=2#floor-4"
    fourth.refresh_from_db()
    assert fourth.read_at is not None


def test_someone_elses_entry_is_a_404(author, other, note):
    comment_create(user=make_user(), note_id=note.pk, content="嗨")
    row = Notification.objects.get(user=author)
    assert signed_in(other).get(f"/notifications/{row.pk}/").status_code == 404
    assert signed_in(other).get("/notifications/abc/").status_code == 404
    row.refresh_from_db()
    assert row.read_at is None


def test_following_page_counts_new_floors_and_opening_the_note_resets_them(author, note):
    comment_create(user=make_user(), note_id=note.pk, content="新楼 1")
    comment_create(user=make_user(), note_id=note.pk, content="新楼 2")
    client = signed_in(author)
    html = client.get("/me/following/").content.decode()
    assert "2 层新回复" in html and note.title in html
    client.get(f"/notes/{note.pk}/")
    assert "没有新回复" in client.get("/me/following/").content.decode()


def test_bookmarks_page_and_the_note_page_buttons(author, other, note):
    client = signed_in(other)
    html = client.get(f"/notes/{note.pk}/").content.decode()
    assert f'data-relation-url="/api/v1/notes/{note.pk}/follow" aria-pressed="false"' in html
    assert f'data-relation-url="/api/v1/notes/{note.pk}/bookmark" aria-pressed="false"' in html
    note_bookmark(user=other, note_id=note.pk)
    html = client.get(f"/notes/{note.pk}/").content.decode()
    assert f'data-relation-url="/api/v1/notes/{note.pk}/bookmark" aria-pressed="true"' in html
    assert note.title in client.get("/me/bookmarks/").content.decode()
    assert "登录后关注或收藏" in Client().get(f"/notes/{note.pk}/").content.decode()


def test_cards_carry_the_follow_button(author, note):
    html = signed_in(author).get("/?order=new").content.decode()
    assert f'data-relation-url="/api/v1/notes/{note.pk}/follow" aria-pressed="true"' in html


def test_the_profile_links_to_every_list_of_mine(author):
    html = signed_in(author).get("/accounts/me/").content.decode()
    for path in ("/notifications/", "/me/notes/", "/me/comments/", "/me/following/", "/me/bookmarks/", "/reports/mine/"):
        assert f'href="{path}"' in html, path


def test_a_warm_page_view_reads_the_bell_without_sql(author, note, django_assert_num_queries):
    from notifications import cache
    from notifications.templatetags.notification_bell import notification_bell
    from django.test import RequestFactory

    comment_create(user=make_user(), note_id=note.pk, content="嗨")
    cache.unread_count(author.pk)
    request = RequestFactory().get("/")
    request.user = author
    with django_assert_num_queries(0):
        assert 'data-unread-count>1<' in notification_bell({"request": request})


def test_the_pages_speak_english_too(author, note):
    comment_create(user=make_user(), note_id=note.pk, content="hi")
    client = signed_in(author)
    client.cookies["django_language"] = "en"
    html = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Mark all as read" in html and "Alice commented on a note you follow" in html and "1 unread" in html
    assert "全部已读" not in html
