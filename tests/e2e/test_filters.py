"""屏蔽, as a reader uses it: a note that mentions a word that hurts them is in their feed; they
open 屏蔽设置 from their profile, mute the word (typed in full width), and the note is gone from
their feed — while another reader still sees it."""

from __future__ import annotations

import importlib

import pytest
from playwright.sync_api import expect

from tests.e2e.support import RESULTS, quick_user, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def feed():
    from django.apps import apps

    from notes.services import note_create

    importlib.import_module("notes.migrations.0002_seed_categories").seed(apps, None)
    author = quick_user("author_f")
    note_create(author=author, title="又失眠了", content="想起分手的那天，一整晚都睡不着。Breakup 真的好难。", category="emotion")
    note_create(author=author, title="食堂新菜", content="二食堂的麻辣香锅很好吃", category="life")


def titles(page):
    return page.locator("article.note-card .note-title")


def test_a_muted_keyword_hides_a_note_from_the_feed(new_page, feed, viewport):
    reader, other = quick_user("reader_f"), quick_user("other_f")
    page = new_page("reader")
    sign_in(page, reader)
    page.goto("/?order=new")
    expect(titles(page)).to_have_text(["食堂新菜", "又失眠了"])

    page.goto("/accounts/me/")
    page.get_by_role("link", name="屏蔽设置").click()
    expect(page.get_by_role("heading", name="屏蔽设置")).to_be_visible()
    page.get_by_label("屏蔽的关键词").fill("ＢＲＥＡＫＵＰ")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("屏蔽设置已保存。")).to_be_visible()
    expect(page.get_by_label("屏蔽的关键词")).to_have_value("ＢＲＥＡＫＵＰ")

    page.goto("/?order=new")
    expect(titles(page)).to_have_text(["食堂新菜"])

    # Only for them: another reader's feed is unchanged.
    elsewhere = new_page("other")
    sign_in(elsewhere, other)
    elsewhere.goto("/?order=new")
    expect(titles(elsewhere)).to_have_text(["食堂新菜", "又失眠了"])

    page.goto("/me/filters/")
    RESULTS.mkdir(exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=str(RESULTS / f"filters-{viewport}-{scheme}.png"), full_page=True)
