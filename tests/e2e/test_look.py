"""What a new user trips over, checked as they would meet it (issue 16): buttons that can be seen,
dark mode that is remembered, the keyboard and the phone, the compose form's help (counter, the
anonymous switch, files refused before they are sent, drafts), the image lightbox, 加载更多 over
the numbered pages, and the scripts' strings in English. Every page is also checked by axe-core
and shot in light and dark by the shared fixtures (conftest.py)."""

from __future__ import annotations

import importlib
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.support import image_file, quick_user, sign_in, top_bar

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# WCAG contrast of an element's text against the first opaque background behind it.
CONTRAST = """el => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  let node = el, bg = null;
  while (node && node.nodeType === 1) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) { bg = c.slice(0, 3); break; }
    node = node.parentElement;
  }
  bg = bg || [255, 255, 255];
  const fg = rgb(getComputedStyle(el).color).slice(0, 3);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


@pytest.fixture
def categories():
    from django.apps import apps

    importlib.import_module("notes.migrations.0002_seed_categories").seed(apps, None)


def notes(author, count: int, **fields):
    from notes import services

    return [services.note_create(author=author, title=f"第 {n} 篇", content=f"内容 {n}", category="life", anonymous=False, **fields)
            for n in range(1, count + 1)]


def test_buttons_can_be_seen_and_the_feed_loads_more(new_page, categories):
    author = quick_user("feed_author")
    notes(author, 25)

    # Without JavaScript: the numbered pages, and the pager's buttons are readable.
    plain = new_page("no-js", java_script_enabled=False)
    plain.goto("/?order=new")
    expect(plain.locator("article.note-card")).to_have_count(20)
    following = plain.get_by_role("link", name="下一页")
    expect(following).to_be_visible()
    assert following.evaluate(CONTRAST) >= 4.5  # was white on white (.btn-small over .btn-ghost)
    following.click()
    expect(plain.get_by_text("第 2 / 2 页")).to_be_visible()
    expect(plain.locator("article.note-card")).to_have_count(5)
    assert plain.get_by_role("link", name="上一页").evaluate(CONTRAST) >= 4.5

    # With JavaScript: 加载更多 appends the next page in place.
    page = new_page("js")
    sign_in(page, author)
    page.goto("/?order=new")
    expect(page.locator("article.note-card")).to_have_count(20)
    expect(page.locator("nav.pager[data-pager]")).to_be_hidden()
    more = page.get_by_role("button", name="加载更多")
    assert more.evaluate(CONTRAST) >= 4.5
    page.evaluate("window.__sameDocument = true")
    more.click()
    expect(page.locator("article.note-card")).to_have_count(25)
    expect(page.locator("article.note-card").last.locator(".note-title")).to_have_text("第 1 篇")
    expect(page.get_by_text("没有更多帖子了")).to_be_visible()
    expect(page.locator("[data-feed] a").nth(20)).to_be_focused()  # the keyboard lands on the new notes
    assert page.evaluate("window.__sameDocument") is True

    # The author's own note: 编辑 is readable, 删除 is a danger button (it was green, primary).
    page.locator("article.note-card a.note-card-link").first.click()
    edit = page.locator(".owner-actions").get_by_role("link", name="编辑")
    delete = page.locator(".owner-actions").get_by_role("button", name="删除")
    assert edit.evaluate(CONTRAST) >= 4.5 and delete.evaluate(CONTRAST) >= 4.5
    danger = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--danger')")
    assert delete.evaluate("el => getComputedStyle(el).backgroundColor") == page.evaluate(
        "c => { const d = document.createElement('i'); d.style.color = c; document.body.append(d); const v = getComputedStyle(d).color; d.remove(); return v; }",
        danger.strip())


def test_dark_mode_follows_the_system_and_the_toggle_is_remembered(new_page, categories):
    page = new_page(color_scheme="dark")
    page.goto("/")
    background = "getComputedStyle(document.body).backgroundColor"
    assert page.evaluate(background) == "rgb(21, 26, 24)"  # the system says dark: no choice needed
    to_light = top_bar(page).get_by_role("button", name="切换到浅色模式")
    to_light.click()
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    assert page.evaluate(background) == "rgb(246, 244, 239)"
    expect(page.get_by_role("button", name="切换到深色模式")).to_be_focused()  # the keyboard stays on the toggle
    assert {c["name"]: c["value"] for c in page.context.cookies()}["theme"] == "light"
    # Remembered, and rendered by the server: the first paint is already light (no flash).
    response = page.reload()
    assert '<html lang="zh-hans" data-theme="light">' in response.text()
    assert page.evaluate(background) == "rgb(246, 244, 239)"
    page.get_by_role("button", name="切换到深色模式").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert page.evaluate(background) == "rgb(21, 26, 24)"

    # Without JavaScript the toggle is a form the server answers.
    plain = new_page("no-js", java_script_enabled=False)
    plain.goto("/accounts/login/")
    plain.get_by_role("button", name="切换到深色模式").click()
    expect(plain).to_have_url(re.compile(r"/accounts/login/$"))
    expect(plain.locator("html")).to_have_attribute("data-theme", "dark")


def test_the_keyboard_and_the_phone(new_page, viewport, categories):
    page = new_page()
    sign_in(page, quick_user("keys"))
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到正文")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    outline = skip.evaluate("el => [getComputedStyle(el).outlineStyle, parseFloat(getComputedStyle(el).outlineWidth)]")
    assert outline[0] == "solid" and outline[1] >= 2  # focus is visible
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    bar = page.locator("header.topbar")
    height = bar.evaluate("el => el.getBoundingClientRect().height")
    assert height < 70, f"the top bar is {height}px high: more than one row"
    menu_button = bar.locator("summary.menu-button")
    links = bar.locator(".nav-links")
    if viewport == "phone":
        expect(menu_button).to_be_visible()
        expect(links).to_be_hidden()
        menu_button.click()
        expect(bar.get_by_role("link", name="我的帖子")).to_be_visible()
        page.keyboard.press("Escape")
        expect(links).to_be_hidden()
        expect(menu_button).to_be_focused()
    else:
        expect(menu_button).to_be_hidden()
        expect(bar.get_by_role("link", name="我的帖子")).to_be_visible()
    expect(bar.get_by_role("link", name="发帖")).to_be_visible()  # on both, without opening anything

    # The chat's placeholder fits in its box.
    page.goto("/chat/")
    box = page.locator("#chat-input")
    expect(box).to_be_visible()
    fits = box.evaluate("""el => { const s = getComputedStyle(el); const c = document.createElement('canvas').getContext('2d');
        c.font = s.font; return c.measureText(el.placeholder).width <= el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight); }""")
    assert fits, "the chat placeholder is cut off"


def test_compose_helps_before_anything_is_sent(new_page, categories):
    page = new_page()
    sign_in(page, quick_user("writer"))
    page.goto("/notes/new/")
    title, content = page.get_by_label("标题"), page.get_by_label("内容")
    title.fill("夏夜")
    expect(page.locator("#id_title-counter")).to_have_text("2 / 100 字")
    content.fill("今晚的风很温柔。")
    expect(page.locator("#id_content-counter")).to_have_text("8 / 5000 字")

    # The anonymous switch sits on the same line as its label.
    switch, label = page.get_by_label("匿名发布（显示为「洞主」）"), page.locator("label.switch[for=id_anonymous] span")
    expect(switch).to_be_checked()
    a, b = switch.bounding_box(), label.bounding_box()
    assert abs((a["y"] + a["height"] / 2) - (b["y"] + b["height"] / 2)) < 8 and b["x"] > a["x"]

    # Files the server would refuse are refused here, before a byte is sent.
    uploads = []
    page.on("request", lambda request: "/api/v1/uploads/images" in request.url and uploads.append(request.url))
    picker = page.locator("[data-image-input]")
    big = {"name": "夜空.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + b"\0" * (10 * 1024 * 1024 + 1)}
    picker.set_input_files([big])
    expect(page.locator("[data-image-error]")).to_contain_text("「夜空.png」有 10.0 MB，超过了 10 MB 的上限。")
    picker.set_input_files([{"name": "笔记.txt", "mimeType": "text/plain", "buffer": b"hello"}])
    expect(page.locator("[data-image-error]")).to_contain_text("「笔记.txt」的格式不支持")
    assert uploads == []
    picker.set_input_files([image_file("ok.jpg")])
    expect(page.locator("[data-image-previews] figure")).to_have_count(1)
    assert len(uploads) == 1

    # A draft survives a reload (and a closed tab) until it is posted.
    page.get_by_label("分类").select_option(label="生活")
    page.wait_for_function("() => (localStorage.getItem('treehole.draft.note') || '').includes('温柔')")
    page.reload()
    expect(page.get_by_text("已恢复你上次没有发出的草稿。")).to_be_visible()
    expect(page.get_by_label("标题")).to_have_value("夏夜")
    expect(page.get_by_label("内容")).to_have_value("今晚的风很温柔。")
    expect(page.get_by_label("分类")).to_have_value("life")
    page.get_by_role("button", name="发布").click()
    expect(page.locator(".message")).to_have_text("发布成功。")
    page.goto("/notes/new/")
    expect(page.get_by_label("标题")).to_have_value("")
    expect(page.get_by_text("已恢复你上次没有发出的草稿。")).to_have_count(0)
    assert page.evaluate("localStorage.getItem('treehole.draft.note')") is None


def test_images_open_in_a_lightbox_and_links_are_clickable(new_page, categories):
    page = new_page()
    sign_in(page, quick_user("painter"))
    page.goto("/notes/new/")
    page.get_by_label("标题").fill("两张照片")
    page.get_by_label("内容").fill("更多在 https://example.com/photos 。")
    page.get_by_label("分类").select_option(label="生活")
    page.locator("[data-image-input]").set_input_files([image_file("1.jpg", seed=1), image_file("2.jpg", seed=2)])
    expect(page.locator("[data-image-previews] figure")).to_have_count(2)
    page.get_by_role("button", name="发布").click()
    expect(page.locator(".message")).to_have_text("发布成功。")
    link = page.locator(".note-content a")
    expect(link).to_have_attribute("href", "https://example.com/photos")
    expect(link).to_have_attribute("rel", "nofollow ugc noopener")

    page.wait_for_load_state()  # the lightbox's script has run (a click before it opens the file)
    first = page.locator(".gallery a").first
    first.click()
    dialog = page.get_by_role("dialog", name="查看图片")
    expect(dialog).to_be_visible()
    expect(dialog.locator("img")).to_have_attribute("src", re.compile(r"/media/"))
    page.wait_for_function("() => { const i = document.querySelector('dialog.lightbox img'); return i.complete && i.naturalWidth > 0; }")
    expect(dialog.get_by_role("button", name="关闭")).to_be_focused()
    expect(dialog.locator(".lightbox-count")).to_have_text("1 / 2")
    page.keyboard.press("ArrowRight")
    expect(dialog.locator(".lightbox-count")).to_have_text("2 / 2")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(first).to_be_focused()  # back where the reader was


def test_the_scripts_speak_english_too(new_page, categories):
    page = new_page(locale="en-US")
    sign_in(page, quick_user("english"))
    page.goto("/notes/new/")
    expect(page.get_by_role("heading", name="New post")).to_be_visible()
    page.locator("[data-image-input]").set_input_files([image_file(f"{n}.jpg", seed=n, width=64, height=64) for n in range(10)])
    expect(page.locator("[data-image-previews] figure")).to_have_count(9)
    expect(page.locator("[data-image-error]")).to_have_text("At most 9 images")  # was "最多 9 张图片" whatever the language
    page.get_by_label("Title").fill("Hi")
    expect(page.locator("#id_title-counter")).to_have_text("2 / 100 characters")
