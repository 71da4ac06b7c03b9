"""Journeys of issue 16's care work: a form survives a stale CSRF token with its text kept and
goes through on the second try; a note saying "不想活了" shows its writer the care card and every
footer the hotlines; a banned member's next page says why; a hidden note stays in 我的帖子 with the
moderator's reason; a page past the end of the feed links to the last page."""

from __future__ import annotations

import importlib

import pytest
from playwright.sync_api import expect

from tests.e2e.support import quick_user, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TEXT = "今天在图书馆坐了一整天。\n写了很久的一段话，不想因为页面过期就没了。"


@pytest.fixture
def shipped():
    """What the migrations seed (a transactional journey starts with empty tables)."""
    from django.apps import apps

    from moderation import care_defaults

    importlib.import_module("notes.migrations.0002_seed_categories").seed(apps, None)
    care_defaults.seed(apps)


def test_a_stale_csrf_token_keeps_what_was_typed_and_the_second_try_posts(new_page, shipped):
    page = new_page()
    sign_in(page, quick_user("csrf_writer"))
    page.goto("/notes/new/")
    page.get_by_label("标题").fill("页面过期也不怕")
    page.get_by_label("内容").fill(TEXT)
    page.get_by_label("分类").select_option(label="学业")
    # The token goes stale: the CSRF cookie is gone (cleared, expired, another browser session).
    cookies = [c for c in page.context.cookies() if c["name"] != "csrftoken"]
    page.context.clear_cookies()
    page.context.add_cookies(cookies)
    page.watch.allow_console_error(r"status of 403")
    page.get_by_role("button", name="发布").click()
    expect(page.get_by_role("heading", name="页面已过期，请再提交一次")).to_be_visible()
    expect(page.get_by_label("标题")).to_have_value("页面过期也不怕")
    expect(page.get_by_label("内容")).to_have_value(TEXT)
    page.get_by_role("button", name="再次提交").click()
    expect(page.get_by_role("heading", name="页面过期也不怕")).to_be_visible()
    expect(page.locator(".note-content")).to_contain_text("不想因为页面过期就没了")
    expect(page.locator("main")).to_contain_text("发布成功。")


def test_a_crisis_note_shows_the_care_card_and_the_footer_the_numbers(new_page, shipped):
    page = new_page()
    sign_in(page, quick_user("night_writer"))
    page.goto("/notes/new/")
    page.get_by_label("标题").fill("夜里")
    page.get_by_label("内容").fill("想自杀，不想活了")
    page.get_by_label("分类").select_option(label="情感")
    page.get_by_role("button", name="发布").click()
    card = page.locator("aside.care-card")
    expect(card).to_be_visible()
    expect(card.get_by_role("heading", name="你并不孤单")).to_be_visible()
    expect(card.locator('a[href="tel:12356"]')).to_be_visible()
    expect(page.locator(".note-content")).to_contain_text("想自杀，不想活了")  # published, not blocked
    footer = page.locator("footer.footer")
    for number in ("12356", "400-161-9995", "010-82951332", "110", "120"):
        expect(footer.get_by_role("link", name=number, exact=True)).to_be_visible()
    page.goto("/notes/search/?q=%E8%87%AA%E6%9D%80")  # 自杀
    expect(page.locator("aside.care-card")).to_be_visible()


def test_a_ban_says_why_and_a_hidden_note_stays_in_my_notes(new_page, shipped):
    from moderation import services
    from moderation.models import Case
    from notes.services import note_create

    member = quick_user("banned_b")
    staff = quick_user("staff_b", is_staff=True)
    note = note_create(author=member, title="留着电话的帖子", content="有事打我 13800000000", category="life")
    kept = note_create(author=member, title="一篇普通的帖子", content="今天天气不错", category="life")
    page = new_page()
    sign_in(page, member)
    page.goto("/")
    expect(page.locator("header.topbar")).to_contain_text("banned_b")
    with_reporter = quick_user("reporter_b")
    services.report_create(reporter=with_reporter, target_type="note", target_id=note.pk, reason="privacy")
    services.case_ban_author(case=Case.objects.get(target_id=note.pk), moderator=staff, days=3, reason="公开了他人的电话号码")
    page.reload()
    message = page.locator(".messages")
    expect(message).to_contain_text("你的账号已被封禁至")
    expect(message).to_contain_text("原因：公开了他人的电话号码")
    # Signed in again (reading is allowed), 我的帖子 still lists the hidden note, with the reason.
    member.refresh_from_db()
    sign_in(page, member)
    page.goto("/me/notes/")
    hidden = page.locator("article.note-card.is-hidden")
    expect(hidden).to_contain_text("留着电话的帖子")
    expect(hidden).to_contain_text("原因：公开了他人的电话号码")
    expect(page.locator("article.note-card").filter(has_text=kept.title)).to_have_count(1)
    # A page past the end of the feed says so and links to the last page.
    page.watch.allow_console_error(r"status of 404")
    assert page.goto("/?order=new&page=999").status == 404
    expect(page.get_by_role("heading", name="没有第 999 页")).to_be_visible()
    page.get_by_role("link", name="去最后一页（第 1 页）").click()
    expect(page.locator("article.note-card")).to_have_count(1)


def test_a_crisis_message_in_the_chat_shows_its_writer_the_care_card_and_is_still_sent(new_page, shipped):
    writer, reader = new_page("writer"), new_page("reader")
    sign_in(writer, quick_user("chat_night"))
    sign_in(reader, quick_user("chat_friend"))
    for page in (writer, reader):
        page.goto("/chat/")
        expect(page.locator("#chat-conn")).to_have_attribute("data-state", "online")
    card = writer.locator("#chat-care aside.care-card")
    expect(card).to_be_hidden()  # nothing before anything was said
    writer.locator("#chat-input").fill("今晚真的不想活了")
    writer.locator("#chat-send").click()
    expect(card).to_be_visible()
    expect(card.locator('a[href="tel:12356"]')).to_be_visible()
    # Not a block: the message went out to the room, and only its writer sees the card.
    sent = reader.locator("#chat-list .chat-msg-text", has_text="今晚真的不想活了")
    expect(sent).to_be_visible()
    expect(writer.locator("#chat-list .chat-msg.mine .chat-msg-text", has_text="今晚真的不想活了")).to_be_visible()
    expect(reader.locator("#chat-care aside.care-card")).to_be_hidden()
    # On a phone the card leaves the conversation in sight, and it can be put away.
    box, room = writer.locator("#chat-care").bounding_box(), writer.locator("#chat-scroll").bounding_box()
    assert room["height"] >= 0.3 * (box["height"] + room["height"])
    writer.get_by_role("button", name="收起").click()
    expect(card).to_be_hidden()
    expect(writer.locator("#chat-input")).to_be_focused()
    writer.locator("#chat-input").fill("不想活了，真的")
    writer.locator("#chat-send").click()
    expect(reader.locator("#chat-list .chat-msg-text", has_text="不想活了，真的")).to_be_visible()
    expect(writer.locator("#chat-list .chat-msg.mine:not(.pending) .chat-msg-text", has_text="不想活了，真的")).to_be_visible()
    expect(card).to_be_hidden()  # put away stays away for this visit
