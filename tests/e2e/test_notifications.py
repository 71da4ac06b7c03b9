"""The loop that brings people back: B comments on A's anonymous note while A has the home page
open; A's bell goes to 1 without a reload (the /ws/events/ socket), A opens the notification and
lands on the floor, and the bell is back to 0. B is named as the thread names them, never by
account. Then 收藏 on the note page and 关注 on a card, each one click."""

from __future__ import annotations

import importlib
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.support import quick_user, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def categories():
    from django.apps import apps

    importlib.import_module("notes.migrations.0002_seed_categories").seed(apps, None)


def test_a_comment_rings_the_bell_live_and_leads_to_its_floor(new_page, categories):
    from notes import services

    author, friend = quick_user("author_bell"), quick_user("friend_bell")
    note = services.note_create(author=author, title="今天终于说出口了", content="谢谢听我说。", category="emotion", anonymous=True)

    a = new_page("author-home")
    sign_in(a, author)
    a.goto("/")
    bell = a.locator("[data-bell]")
    expect(bell.locator("[data-unread-count]")).to_be_hidden()
    expect(bell).to_have_attribute("data-live", "1")  # the socket is open

    b = new_page("friend")
    sign_in(b, friend)
    b.goto(f"/notes/{note.pk}/")
    form = b.locator("#comment-form")
    form.get_by_label("写下你的回应").fill("我一直在，慢慢来。")
    form.get_by_role("button", name="发表回应").click()
    expect(b.locator(".message")).to_have_text("评论已发布（#1）。")

    # No reload: the frame sets the count.
    expect(bell.locator("[data-unread-count]")).to_have_text("1")
    expect(bell.locator("[data-unread-count]")).to_be_visible()
    expect(bell).to_contain_text("1 条未读")

    bell.click()
    expect(a).to_have_url(re.compile(r"/notifications/$"))
    entry = a.locator("li.notification.is-unread")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("评论了你关注的帖子")
    expect(entry).to_contain_text("我一直在，慢慢来。")
    expect(a.locator("main")).not_to_contain_text(friend.username)
    entry.get_by_role("link").click()

    expect(a).to_have_url(re.compile(rf"/notes/{note.pk}/#floor-1$"))
    expect(a.locator("li#floor-1")).to_be_in_viewport()
    expect(a.locator("[data-bell] [data-unread-count]")).to_be_hidden()
    expect(a.locator("[data-bell]")).to_contain_text("没有未读")
    a.goto("/notifications/")
    expect(a.locator("li.notification.is-unread")).to_have_count(0)

    # On the notification page, a new one offers the fresh list (and rings the bell).
    expect(a.locator("[data-bell]")).to_have_attribute("data-live", "1")
    form.get_by_label("写下你的回应").fill("明天也来看你。")
    form.get_by_role("button", name="发表回应").click()
    expect(b.locator(".message")).to_have_text("评论已发布（#2）。")
    expect(a.locator("[data-bell] [data-unread-count]")).to_have_text("1")
    a.get_by_role("link", name="有新通知，点此刷新").click()
    expect(a.locator("li.notification.is-unread")).to_contain_text("明天也来看你。")

    # 收藏 on the note page and 关注 on a card: one click each, kept on the server.
    bookmark = b.get_by_role("button", name="收藏")
    expect(bookmark).to_have_attribute("aria-pressed", "false")
    bookmark.click()
    expect(bookmark).to_have_attribute("aria-pressed", "true")
    b.goto("/me/bookmarks/")
    expect(b.locator("main")).to_contain_text("今天终于说出口了")
    a.goto("/?order=new")
    follow = a.locator(f'button.relation[data-relation-url="/api/v1/notes/{note.pk}/follow"]')
    expect(follow).to_have_attribute("aria-pressed", "true")  # the author follows their note
    follow.click()
    expect(follow).to_have_attribute("aria-pressed", "false")
    a.goto("/me/following/")
    expect(a.locator("main")).not_to_contain_text("今天终于说出口了")
