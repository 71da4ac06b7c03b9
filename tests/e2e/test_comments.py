"""Two people talk under an anonymous note: the author shows as 洞主, the other under a stable
alias, reply-to links lead to the floor replied to, and a deleted comment keeps its floor."""

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


def floor(page, n: int):
    return page.locator(f"li#floor-{n}")


def comment(page, text: str) -> None:
    form = page.locator("#comment-form")
    form.get_by_label("写下你的回应").fill(text)
    form.get_by_role("button", name="发表回应").click()


def test_two_people_comment_under_a_note(new_page, categories):
    from notes import services

    author, friend = quick_user("author_c"), quick_user("friend_c")
    note = services.note_create(author=author, title="最近总是睡不着", content="一闭眼就想很多事情。", category="emotion", anonymous=True)
    url = f"/notes/{note.pk}/"

    f = new_page("friend")
    sign_in(f, friend)
    f.goto(url)
    expect(f.get_by_text("还没有人回应。说点温暖的话吧。")).to_be_visible()
    comment(f, "抱抱你，睡前可以试试听点轻音乐。")
    expect(f.locator(".message")).to_have_text("评论已发布（#1）。")
    expect(floor(f, 1).locator(".comment-body")).to_have_text("抱抱你，睡前可以试试听点轻音乐。")
    alias = floor(f, 1).locator(".comment-author").inner_text()
    assert alias and alias != "洞主" and friend.username not in alias
    expect(floor(f, 1).locator(".badge")).to_have_text("我")

    a = new_page("author")
    sign_in(a, author)
    a.goto(url)
    expect(floor(a, 1).locator(".comment-author")).to_have_text(alias)
    comment(a, "谢谢你，我今晚试试。")
    expect(floor(a, 2).locator(".comment-author")).to_have_text("洞主")
    expect(floor(a, 2)).to_have_class(re.compile(r"\bby-op\b"))
    expect(a.locator("main")).not_to_contain_text(author.username)

    # The author replies to floor 1: the reply links back to it.
    floor(a, 1).get_by_role("link", name="回复").click()
    expect(a.locator(".replying")).to_contain_text(f"回复 #1 {alias}")
    comment(a, "对了，你一般听什么？")
    link = floor(a, 3).locator(".reply-link a")
    expect(link).to_have_text(f"回复 #1 {alias}")
    link.click()
    expect(a).to_have_url(re.compile(r"#floor-1$"))
    expect(floor(a, 1)).to_be_in_viewport()

    # The friend answers under the same alias (stable within the note), then deletes it.
    f.reload()
    expect(floor(f, 2).locator(".comment-author")).to_have_text("洞主")
    comment(f, "白噪音，雨声那种。")
    expect(floor(f, 4).locator(".comment-author")).to_have_text(alias)
    # Deleting asks first: dismissing the question keeps the comment, accepting it deletes.
    questions = []
    f.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    floor(f, 4).get_by_role("button", name="删除").click()
    expect(floor(f, 4).locator(".comment-body")).to_have_text("白噪音，雨声那种。")
    assert questions == ["确定删除第 4 楼的评论吗？"]
    f.once("dialog", lambda dialog: dialog.accept())
    floor(f, 4).get_by_role("button", name="删除").click()
    expect(f.locator(".message")).to_have_text("第 4 楼已删除。")
    expect(floor(f, 4)).to_have_class(re.compile(r"\bis-deleted\b"))
    expect(floor(f, 4)).to_contain_text("该评论已删除")
    expect(floor(f, 4)).not_to_contain_text("白噪音")
    expect(floor(f, 4).locator(".floor")).to_have_text("#4")
    expect(f.locator("li.comment")).to_have_count(4)

    a.reload()
    expect(floor(a, 4)).to_contain_text("该评论已删除")
    expect(floor(a, 4).get_by_role("button", name="删除")).to_have_count(0)
