"""Three people report a note, which folds; a staff member bans its author in the admin; the
author sees the ban message when trying to post."""

from __future__ import annotations

import importlib
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.support import quick_user, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "这里有人在刷广告"


@pytest.fixture
def categories():
    from django.apps import apps

    importlib.import_module("notes.migrations.0002_seed_categories").seed(apps, None)


def report(page, note_url: str, *, reason_index: int = 0) -> None:
    page.goto(note_url)
    box = page.locator("article.note details.report")
    box.locator("summary").click()
    box.get_by_role("radio").nth(reason_index).check()
    box.get_by_role("button", name="提交举报").click()
    expect(box.locator(".report-status")).to_have_text("已收到你的举报，谢谢。处理结果可以在“我的举报”里看到。")


def test_reports_fold_a_note_and_a_ban_stops_its_author(new_page, categories):
    from notes import services

    author = quick_user("spammer_m")
    staff = quick_user("moderator_m", is_staff=True, is_superuser=True)
    note = services.note_create(author=author, title=TITLE, content="加微信领免费会员！！！", category="chat", anonymous=True)
    note_url = f"/notes/{note.pk}/"

    # --- Three different people report it; after the third it is folded. ---------------------
    for n in range(3):
        p = new_page(f"reporter{n + 1}")
        sign_in(p, quick_user(f"reporter{n + 1}_m"))
        report(p, note_url, reason_index=n % 2)
        if n < 2:
            p.reload()
            expect(p.get_by_text("这篇帖子被折叠了，点击展开。")).to_have_count(0)
    p.reload()
    fold = p.locator("article.note details.fold, article.note details.folded").first
    expect(fold).to_be_visible()
    expect(fold.locator("summary")).to_contain_text("折叠")
    expect(fold.locator(".note-content")).not_to_be_visible()
    fold.locator("summary").click()
    expect(fold.locator(".note-content")).to_contain_text("加微信领免费会员")
    p.goto("/?order=new")
    expect(p.locator("article.note-card.folded")).to_have_count(1)

    # --- A staff member bans the author from the moderation queue in the admin. ---------------
    s = new_page("staff")
    sign_in(s, staff)
    # Chrome asks for /favicon.ico on the admin's pages (they link no icon) and the site has none.
    s.watch.allow_console_error(r"/favicon\.ico")
    s.goto("/admin/moderation/case/")
    row = s.locator("#result_list tbody tr").filter(has_text=TITLE[:8])
    expect(row).to_have_count(1)
    row.locator("input.action-select").check()
    s.locator("select[name=action]").select_option(label="封禁作者（1/3/7/30 天或永久）并隐藏内容")
    s.locator("button[name=index], input[name=index]").first.click()
    expect(s.get_by_text("将处理下面 1 条")).to_be_visible()
    s.get_by_label("封禁时长").select_option(label="7 天")
    s.get_by_label("原因（记入审核日志）").fill("广告刷屏")
    s.get_by_role("button", name="确认").click()
    expect(s.locator(".messagelist")).to_be_visible()
    expect(s.locator(".errornote")).to_have_count(0)

    # --- The author signs in again (the ban ended every session) and tries to post. -----------
    author.refresh_from_db()
    assert author.ban_active
    a = new_page("author")
    sign_in(a, author)
    a.watch.allow_console_error(r"status of 403")
    a.goto("/notes/new/")
    a.get_by_label("标题").fill("我又来了")
    a.get_by_label("内容").fill("再发一条试试。")
    a.get_by_label("分类").select_option(label="闲聊")
    a.get_by_role("button", name="发布").click()
    expect(a.locator("main")).to_contain_text(re.compile(r"你的账号已被封禁至 \d{4}-\d{2}-\d{2} \d{2}:\d{2}"))
    expect(a.locator("main")).not_to_contain_text("发布成功。")
    # The ban hid the note too: its page is gone for everyone.
    a.watch.allow_console_error(r"status of 404")
    assert a.goto(note_url).status == 404
    expect(a.get_by_role("heading", name=TITLE)).to_have_count(0)
