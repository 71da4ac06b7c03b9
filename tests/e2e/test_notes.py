"""A note's life: posted anonymously with two images, seen on "new", voted up by someone else
(without a reload) so it climbs "hot", edited by its author, found by a Chinese word, deleted."""

from __future__ import annotations

import importlib
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.support import image_file, quick_user, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "夏夜里的萤火虫"
CONTENT = "走在河边，看见好多萤火虫，心里忽然安静下来。\n原来一个人散步也不坏。"
AFTERWORD = "后记：第二天晚上又去了一次，带上了朋友。"


@pytest.fixture
def categories():
    """The categories the notes migration seeds (a transactional journey empties every table)."""
    from django.apps import apps

    importlib.import_module("notes.migrations.0002_seed_categories").seed(apps, None)


def cards(page):
    return page.locator("article.note-card")


def card(page, title: str):
    return cards(page).filter(has=page.locator(".note-title", has_text=title))


def loaded(page, images) -> None:
    """Every image of the locator has really loaded (not a broken icon)."""
    count = images.count()
    assert count, "no images"
    for index in range(count):
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=images.nth(index).element_handle())


def test_a_note_from_posting_to_deleting(new_page, categories):
    from notes import services

    author, voter, other = quick_user("author_n"), quick_user("voter_n"), quick_user("other_n")

    # --- The author posts an anonymous note with two images. -----------------------------------
    a = new_page("author")
    sign_in(a, author)
    a.goto("/")
    a.locator("header.topbar").get_by_role("link", name="发帖").click()
    expect(a.get_by_role("heading", name="发帖")).to_be_visible()
    expect(a.get_by_text("默认匿名：别人只会看到「洞主」。")).to_be_visible()
    expect(a.get_by_label("匿名发布（显示为「洞主」）")).to_be_checked()
    a.get_by_label("标题").fill(TITLE)
    a.get_by_label("内容").fill(CONTENT)
    a.get_by_label("分类").select_option(label="生活")
    a.locator("[data-image-input]").set_input_files([image_file("river.jpg", seed=1), image_file("sky.jpg", seed=2)])
    previews = a.locator("[data-image-previews] figure")
    expect(previews).to_have_count(2)
    loaded(a, previews.locator("img"))
    a.get_by_role("button", name="发布").click()

    expect(a).to_have_url(re.compile(r"/notes/\d+/$"))
    note_url = a.url
    expect(a.locator(".message")).to_have_text("发布成功。")
    expect(a.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(a.locator("article.note .author")).to_have_text("洞主 · 我")
    expect(a.locator(".note-content")).to_contain_text("原来一个人散步也不坏。")
    gallery = a.locator(".gallery img")
    expect(gallery).to_have_count(2)
    loaded(a, gallery)

    # --- It shows first on "new", anonymous, with its two thumbnails. --------------------------
    a.goto("/")
    a.get_by_role("link", name="最新").click()
    expect(a).to_have_url(re.compile(r"order=new"))
    first = cards(a).first
    expect(first.locator(".note-title")).to_have_text(TITLE)
    expect(first.locator(".author")).to_have_text("洞主 · 我")
    expect(first.locator(".thumbs img")).to_have_count(2)
    loaded(a, first.locator(".thumbs img"))

    # Two newer notes by someone else: on "hot" they are above ours (same votes, newer).
    for title in ("今天的晚饭很好吃", "考试终于结束了"):
        services.note_create(author=other, title=title, content=title + "，记录一下。", category="life", anonymous=False)

    # --- Someone else votes it up, and it climbs "hot". ----------------------------------------
    v = new_page("voter")
    sign_in(v, voter)
    v.goto("/?order=hot")
    expect(cards(v)).to_have_count(3)
    expect(cards(v).nth(2).locator(".note-title")).to_have_text(TITLE)
    expect(card(v, TITLE).locator(".author")).to_have_text("洞主")  # never the author's name
    expect(v.locator("body")).not_to_contain_text(author.username)
    card(v, TITLE).locator(".note-card-link").click()
    expect(v.get_by_role("heading", name=TITLE)).to_be_visible()

    votes = v.locator(".votes")
    up = votes.locator("button.vote-up")
    expect(up).to_have_attribute("aria-pressed", "false")
    expect(votes.locator("[data-count=approve]")).to_have_text("0")
    score_before = int(votes.locator("[data-count=score]").inner_text())
    v.evaluate("window.__sameDocument = true")
    up.click()
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(up).to_have_class(re.compile(r"\bactive\b"))
    expect(votes.locator("[data-count=approve]")).to_have_text("1")
    expect(votes.locator("[data-count=score]")).not_to_have_text(str(score_before))
    expect(votes.locator(".vote-error")).to_have_text("")
    assert v.evaluate("window.__sameDocument") is True, "the vote reloaded the page"

    v.goto("/?order=hot")
    expect(cards(v).first.locator(".note-title")).to_have_text(TITLE)
    expect(cards(v).first.get_by_title("赞成")).to_have_text("👍赞成 1")

    # --- The author edits it. -----------------------------------------------------------------
    a.goto(note_url)
    a.locator(".owner-actions").get_by_role("link", name="编辑").click()
    expect(a.get_by_role("heading", name="编辑帖子")).to_be_visible()
    expect(a.locator("[data-image-previews] figure")).to_have_count(2)
    a.get_by_label("内容").fill(CONTENT + "\n" + AFTERWORD)
    a.get_by_role("button", name="保存").click()
    expect(a).to_have_url(note_url)
    expect(a.locator(".message")).to_have_text("已保存修改。")
    expect(a.locator(".note-content")).to_contain_text(AFTERWORD)
    expect(a.locator("article.note .note-meta")).to_contain_text("已编辑")
    expect(a.locator(".gallery img")).to_have_count(2)
    expect(a.locator(".votes [data-count=approve]")).to_have_text("1")

    # --- Search finds it by a Chinese word. ---------------------------------------------------
    a.goto("/")
    a.get_by_role("searchbox", name="搜索").fill("萤火虫")
    a.get_by_role("button", name="搜索").click()
    expect(a).to_have_url(re.compile(r"/notes/search/\?q="))
    expect(a.get_by_text("找到 1 篇帖子")).to_be_visible()
    expect(cards(a)).to_have_count(1)
    expect(cards(a).first.locator(".note-title")).to_have_text(TITLE)

    # --- The author deletes it. ---------------------------------------------------------------
    a.goto(note_url)
    a.once("dialog", lambda dialog: dialog.accept())
    a.locator(".owner-actions").get_by_role("button", name="删除").click()
    expect(a.locator(".message")).to_have_text("帖子已删除。")
    expect(a.get_by_role("heading", name="我的帖子")).to_be_visible()
    expect(a.get_by_text("你还没有发过帖子。")).to_be_visible()

    v.goto("/?order=new")
    expect(cards(v)).to_have_count(2)
    expect(card(v, TITLE)).to_have_count(0)
    v.watch.allow_console_error(r"status of 404")
    response = v.goto(note_url)
    assert response.status == 404
