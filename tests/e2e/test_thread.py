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


def test_a_content_warning_note_folded_then_opened(new_page, categories):
    author, reader = quick_user("cw_author"), quick_user("cw_reader")
    spoiler = "最后一集里，主角其实一直在做梦。"

    # --- The author posts a note with a content warning. ---------------------------------------
    a = new_page("author")
    sign_in(a, author)
    a.goto("/notes/new/")
    a.get_by_label("标题").fill("看完了那部剧")
    a.get_by_label("内容").fill(spoiler)
    a.get_by_label("分类").select_option(label="闲聊")
    a.get_by_label("给读者的提醒（可选）").fill("剧透")
    a.get_by_role("button", name="发布").click()
    expect(a.locator(".message")).to_have_text("发布成功。")
    note_url = a.url

    # --- A reader sees it folded on the list, with its title and warning; one click opens it. ---
    r = new_page("reader")
    sign_in(r, reader)
    r.goto("/?order=new")
    card = r.locator("article.note-card").first
    expect(card.locator(".note-title")).to_have_text("看完了那部剧")
    warning = card.locator("details.content-warning")
    expect(warning.locator("summary")).to_contain_text("内容提醒：剧透（点击展开）")
    expect(card.get_by_text(spoiler)).to_be_hidden()
    warning.locator("summary").click()
    expect(card.get_by_text(spoiler)).to_be_visible()

    # --- The note page folds the text the same way. ---------------------------------------------
    r.goto(note_url)
    fold = r.locator("article.note details.content-warning")
    expect(r.get_by_role("heading", name="看完了那部剧")).to_be_visible()
    expect(r.locator(".note-content")).to_be_hidden()
    fold.locator("summary").click()
    expect(r.locator(".note-content")).to_have_text(spoiler)

    # --- Without JavaScript, the fold still opens. ----------------------------------------------
    plain = new_page("no-js", java_script_enabled=False)
    plain.goto(note_url)
    expect(plain.locator(".note-content")).to_be_hidden()
    plain.locator("article.note details.content-warning summary").click()
    expect(plain.locator(".note-content")).to_have_text(spoiler)


def test_an_edit_shows_edited_and_its_revision(new_page, categories):
    from notes.services import note_create

    author, reader = quick_user("edit_author"), quick_user("edit_reader")
    note = note_create(author=author, title="第一次去图书馆", content="找不到座位，在门口站了十分钟。", category="study")
    note_create(author=reader, title="回复那篇", content=f"我也是，见 #{note.number}", category="study", anonymous=False)

    # --- The author edits the content from the note page. ---------------------------------------
    a = new_page("author")
    sign_in(a, author)
    a.goto(f"/notes/{note.pk}/")
    expect(a.locator("article.note .note-meta")).not_to_contain_text("已编辑")
    a.locator(".owner-actions").get_by_role("link", name="编辑").click()
    a.get_by_label("内容").fill("找不到座位，后来在三楼找到一个靠窗的位置。")
    a.get_by_role("button", name="保存").click()
    expect(a.locator(".message")).to_have_text("已保存修改。")
    edited = a.locator("article.note .note-meta a.edited")
    expect(edited).to_contain_text("已编辑 · 刚刚")

    # --- A reader finds it by its number from the search box, sees 已编辑, opens the revision. --
    r = new_page("reader")
    sign_in(r, reader)
    r.goto("/")
    r.get_by_role("searchbox", name="搜索").fill(f"#{note.number}")
    r.get_by_role("button", name="搜索").click()
    expect(r).to_have_url(re.compile(rf"/notes/{note.pk}/$"))
    expect(r.get_by_role("heading", name="第一次去图书馆")).to_be_visible()
    expect(r.locator(".note-content")).to_contain_text("三楼")
    r.locator("article.note .note-meta a.edited").click()
    expect(r.get_by_role("heading", name="编辑记录")).to_be_visible()
    revisions = r.locator("li.revision")
    expect(revisions).to_have_count(2)
    expect(revisions.nth(0)).to_contain_text("现在的版本")
    expect(revisions.nth(0)).to_contain_text("三楼")
    expect(revisions.nth(1)).to_contain_text("修改前的版本")
    expect(revisions.nth(1)).to_contain_text("在门口站了十分钟")
    expect(r.locator("body")).not_to_contain_text(author.username)

    # --- #number in another note links back to it. ---------------------------------------------
    r.goto("/?order=new")
    r.locator("article.note-card", has_text="回复那篇").locator(".note-card-link").click()
    r.locator(".note-content").get_by_role("link", name=f"#{note.number}").click()
    expect(r).to_have_url(re.compile(rf"/notes/{note.pk}/$"))
    expect(r.get_by_role("heading", name="第一次去图书馆")).to_be_visible()
