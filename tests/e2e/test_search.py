"""Search, as a person uses it: words typed without spaces find the note about both (the matched
words drawn as <mark>), and the 包括评论 switch finds a note by what a signed comment said.
Screenshots of the search page land in test-results/ (desktop and phone) like every journey's."""

from __future__ import annotations

import importlib
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.support import RESULTS, quick_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def notes_to_find():
    """Two notes written through the services (committed: the server sees them, and so does the
    index); the index is emptied first, since a transactional journey's flush leaves documents."""
    from django.apps import apps

    from comments.services import comment_create
    from notes import search
    from notes.services import note_create

    importlib.import_module("notes.migrations.0002_seed_categories").seed(apps, None)
    search.get_backend().clear()
    author, reader = quick_user("author_s"), quick_user("reader_s")
    both = note_create(author=author, title="纠结", content="大四了，到底是考研还是找工作？家里意见也不一样。",
                       category="study", anonymous=False)
    note_create(author=author, title="复习", content="考研政治什么时候开始背？", category="study")
    comment_create(user=reader, note_id=both.pk, content="可以先去图书馆自习一段时间再决定")
    return both


def results(page):
    return page.locator("article.note-card")


def test_words_mode_marks_and_the_comments_switch(new_page, notes_to_find, viewport):
    page = new_page("search")
    page.goto("/notes/search/")
    page.get_by_role("searchbox", name="搜索").fill("考研工作")
    page.get_by_role("button", name="搜索").click()
    expect(page).to_have_url(re.compile(r"/notes/search/\?q="))
    expect(page.get_by_text("找到 1 篇帖子")).to_be_visible()
    expect(results(page)).to_have_count(1)
    expect(results(page).first.locator(".note-title")).to_have_text("纠结")
    expect(results(page).first.locator("mark")).to_have_text(["考研", "工作"])

    # The words of a signed comment are found only with 包括评论.
    page.get_by_role("searchbox", name="搜索").fill("图书馆 自习")
    page.get_by_role("button", name="搜索").click()
    expect(page.get_by_text("没有找到相关的帖子")).to_be_visible()
    page.get_by_label("包括评论").check()
    page.get_by_role("button", name="搜索").click()
    expect(page).to_have_url(re.compile(r"comments=1"))
    expect(results(page)).to_have_count(1)
    snippet = results(page).first.locator(".note-snippet")
    expect(snippet).to_contain_text("1 楼评论：")
    expect(snippet.locator("mark")).to_have_text(["图书馆自习"])  # adjacent words: one mark
    expect(page.get_by_label("包括评论")).to_be_checked()

    # Exact mode: the phrase as typed, newest first on request.
    page.get_by_role("searchbox", name="搜索").fill("还是找工作")
    page.get_by_label("精确短语").check()
    page.get_by_label("排序").select_option("new")
    page.get_by_role("button", name="搜索").click()
    expect(results(page)).to_have_count(1)
    expect(results(page).first.locator("mark")).to_have_text(["还是找工作"])

    # The results page in both themes (test-results/search-<viewport>-<light|dark>.png).
    RESULTS.mkdir(exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=str(RESULTS / f"search-{viewport}-{scheme}.png"), full_page=True)
