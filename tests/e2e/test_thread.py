"""Inside a thread (issue 17): a poll voted by two users, a content-warning note folded then
opened, an edit showing 已编辑 and its revision (reached by its #number from the search box)."""

from __future__ import annotations

import importlib
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.support import quick_user, sign_in, top_bar

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def categories():
    """The categories the notes migration seeds (a transactional journey empties every table)."""
    from django.apps import apps

    importlib.import_module("notes.migrations.0002_seed_categories").seed(apps, None)


def test_a_poll_voted_by_two_users(new_page, categories):
    author, first, second = quick_user("poll_author"), quick_user("poll_first"), quick_user("poll_second")

    # --- The author posts a note with a poll from the compose page. ----------------------------
    a = new_page("author")
    sign_in(a, author)
    a.goto("/notes/new/")
    a.get_by_label("标题").fill("毕业以后")
    a.get_by_label("内容").fill("大家打算怎么走？")
    a.get_by_label("分类").select_option(label="学业")
    a.locator("summary", has_text="添加投票（可选）").click()
    a.get_by_label("投票问题").fill("你会选哪条路？")
    a.get_by_label("选项（每行一个，2–10 个）").fill("考研\n工作\n还没想好")
    a.get_by_label("截止时间").select_option(label="7 天后")
    a.get_by_role("button", name="发布").click()
    expect(a.locator(".message")).to_have_text("发布成功。")
    note_url = a.url
    poll = a.locator("section.poll")
    expect(poll.get_by_role("heading", name="你会选哪条路？")).to_be_visible()
    expect(poll).to_contain_text("0 人已投票")
    expect(poll.locator("meter")).to_have_count(0)  # no results before you vote

    # --- The first reader votes 考研 and sees the results. ------------------------------------
    p1 = new_page("first")
    sign_in(p1, first)
    p1.goto(note_url)
    poll = p1.locator("section.poll")
    expect(poll).to_contain_text("投票后可以看到结果。")
    poll.get_by_role("radio", name="考研").check()
    poll.get_by_role("button", name="投票").click()
    expect(p1.locator(".message")).to_have_text("投票成功。")
    poll = p1.locator("section.poll")
    expect(poll.locator("meter")).to_have_count(3)
    expect(poll.locator(".poll-result.chosen")).to_contain_text("考研")
    expect(poll.locator(".poll-result").first).to_contain_text("1 票 · 100%")
    expect(poll).to_contain_text("1 人已投票")

    # --- The second reader sees only how many voted, votes 工作. --------------------------------
    p2 = new_page("second")
    sign_in(p2, second)
    p2.goto(note_url)
    poll = p2.locator("section.poll")
    expect(poll).to_contain_text("1 人已投票")
    expect(poll.locator("meter")).to_have_count(0)
    poll.get_by_role("radio", name="工作").check()
    poll.get_by_role("button", name="投票").click()
    poll = p2.locator("section.poll")
    expect(poll).to_contain_text("2 人已投票")
    expect(poll.locator(".poll-result").nth(0)).to_contain_text("1 票 · 50%")
    expect(poll.locator(".poll-result").nth(1)).to_contain_text("1 票 · 50%")

    # --- The first changes their mind: still two voters, 工作 has both. -------------------------
    p1.reload()
    poll = p1.locator("section.poll")
    expect(poll.get_by_role("radio", name="考研")).to_be_checked()
    poll.get_by_role("radio", name="工作").check()
    poll.get_by_role("button", name="改投").click()
    poll = p1.locator("section.poll")
    expect(poll).to_contain_text("2 人已投票")
    expect(poll.locator(".poll-result").nth(1)).to_contain_text("2 票 · 100%")
    expect(poll.locator(".poll-result").nth(0)).to_contain_text("0 票 · 0%")

    # The list shows the poll's voter count on the card; the author still sees no results.
    a.goto("/?order=new")
    expect(a.locator("article.note-card").first.get_by_title("投票")).to_have_text("📊投票 2")
    a.goto(note_url)
    expect(a.locator("section.poll meter")).to_have_count(0)
