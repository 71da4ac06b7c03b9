"""The chat room with two people in two browser contexts: messages both ways over the WebSocket,
the online count, history on scroll-up, and a reload that keeps the conversation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.support import quick_user, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EARLIER = 70  # more than one history page (CHAT_HISTORY_LIMIT_DEFAULT = 50)


def open_room(page):
    page.goto("/chat/")
    expect(page.locator("#chat-conn")).to_have_attribute("data-state", "online")
    return page


def send(page, text: str) -> None:
    page.locator("#chat-input").fill(text)
    page.locator("#chat-send").click()


def message(page, text: str):
    return page.locator("#chat-list .chat-msg").filter(has=page.locator(".chat-msg-text", has_text=text))


def test_two_people_talk_in_the_chat_room(new_page):
    from chat.models import ChatMessage

    alice, bob, carol = quick_user("alice_c"), quick_user("bob_c"), quick_user("carol_c")
    ChatMessage.objects.bulk_create([ChatMessage(user=carol, content=f"早些时候的消息 #{n:02d}") for n in range(1, EARLIER + 1)])

    a = new_page("alice")
    sign_in(a, alice)
    open_room(a)
    expect(a.locator("#chat-online-count")).to_have_text("1")
    # The latest page of history is there, the oldest is not (yet).
    expect(message(a, f"#{EARLIER:02d}")).to_be_visible()
    expect(message(a, "#01")).to_have_count(0)

    b = new_page("bob")
    sign_in(b, bob)
    open_room(b)
    expect(b.locator("#chat-online-count")).to_have_text("2")
    expect(a.locator("#chat-online-count")).to_have_text("2")

    # Messages both ways, live.
    send(a, "鲍勃你好，今天过得怎么样？")
    mine = message(a, "鲍勃你好")
    expect(mine).to_have_class("chat-msg mine")  # confirmed by the server: no longer pending
    expect(mine.locator(".chat-msg-name")).to_have_text("alice_c")
    theirs = message(b, "鲍勃你好")
    expect(theirs).to_be_visible()
    expect(theirs).not_to_have_class("mine")
    expect(theirs.locator(".chat-msg-name")).to_have_text("alice_c")

    b.locator("#chat-input").fill("还不错，谢谢你问！")
    b.locator("#chat-input").press("Enter")  # Enter sends
    expect(message(a, "还不错，谢谢你问")).to_be_visible()
    expect(message(b, "还不错，谢谢你问")).to_have_class("chat-msg mine")
    expect(b.locator("#chat-input")).to_have_value("")

    # History loads on scroll-up, down to the very first message.
    scroller = a.locator("#chat-scroll")
    scroller.evaluate("el => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); }")
    expect(message(a, "#01")).to_be_visible()
    expect(a.locator("#chat-older")).to_have_text("没有更早的消息了")
    expect(a.locator("#chat-list .chat-msg")).to_have_count(EARLIER + 2)

    # A reload keeps the conversation (it comes back from history).
    a.reload()
    expect(a.locator("#chat-conn")).to_have_attribute("data-state", "online")
    expect(message(a, "鲍勃你好")).to_have_class("chat-msg mine")
    expect(message(a, "还不错，谢谢你问")).to_be_visible()
    expect(a.locator("#chat-online-count")).to_have_text("2")

    # Bob leaves: Alice sees the count drop.
    b.context.close()
    expect(a.locator("#chat-online-count")).to_have_text("1")


def test_the_chat_room_asks_a_visitor_to_sign_in(page):
    page.goto("/chat/")
    expect(page.get_by_text("登录后就能和此刻在线的人聊聊。")).to_be_visible()
    page.locator("main").get_by_role("link", name="登录").click()
    expect(page).to_have_url(page.site_url + "/accounts/login/?next=/chat/")


def test_a_chat_message_is_reported_from_its_own_report_form(new_page):
    from moderation.models import Report

    alice, bob = quick_user("alice_r"), quick_user("bob_r")
    b = new_page("bob")
    sign_in(b, bob)
    open_room(b)
    send(b, "加我微信，拉你进群")
    a = new_page("alice")
    sign_in(a, alice)
    open_room(a)
    box = message(a, "加我微信").locator("details.report")
    expect(box.locator("form")).to_have_count(0)  # built when opened, not with every message
    box.locator("summary").click()
    box.locator("input[name=reason]").first.check()
    box.get_by_role("button", name="提交举报").click()
    expect(box.locator(".report-status")).to_have_text("已收到你的举报，谢谢。处理结果可以在“我的举报”里看到。")
    report = Report.objects.get()
    assert (report.reporter_id, report.target_type) == (alice.pk, "message")
