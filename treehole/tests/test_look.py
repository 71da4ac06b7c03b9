"""The look every page shares (docs/pages.md): one set of button variants used by every template,
the theme remembered by the server (no flash, no inline script), the skip link, the compact nav
and the page metadata."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings

from treehole.testing import make_user

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
BUTTON_CLASSES = {"btn", "btn-secondary", "btn-danger", "btn-small"}


def _class_lists(text: str):
    return re.findall(r'class="([^"]*)"', text)


def test_templates_use_only_the_button_variants():
    """``.btn`` + ``btn-secondary`` / ``btn-danger`` + ``btn-small``; nothing else named btn-*."""
    found = {}
    for path in TEMPLATES:
        for classes in _class_lists(path.read_text()):
            for name in classes.split():
                if name.startswith("btn") and name not in BUTTON_CLASSES:
                    found.setdefault(str(path.relative_to(ROOT)), set()).add(name)
    assert not found, f"unknown button classes (docs/pages.md lists the variants): {found}"


def test_every_button_variant_rule_is_one_class():
    """A variant must never be outranked by the base rule (``button.btn`` beat ``.btn-danger``
    and ``.btn-small{color:#fff !important}`` made ghost buttons white on white)."""
    css = (ROOT / "static" / "css" / "site.css").read_text()
    for selector in re.findall(r"^([^{}@/]+)\{", css, flags=re.M):
        for part in selector.split(","):
            if re.search(r"\.btn\b", part) and ":not(" not in part:
                assert re.fullmatch(r"\s*\.btn(-[a-z]+)?(:[a-z-]+|\[[^\]]+\])?\s*", part), part
    rules = re.findall(r"\.btn[^{]*\{[^}]*\}", css)
    assert rules and not any("!important" in rule for rule in rules)


def test_destructive_buttons_are_danger(client):
    """删除 on the note page and 在所有设备上退出 on the profile are not primary buttons."""
    detail = (ROOT / "templates" / "notes" / "detail.html").read_text()
    assert re.search(r'class="btn btn-danger btn-small">\{% trans "删除" %\}', detail)
    profile = (ROOT / "templates" / "accounts" / "profile.html").read_text()
    assert re.search(r'class="btn btn-(secondary|danger)">\{% trans "在所有设备上退出" %\}', profile)
    pager = (ROOT / "templates" / "notes" / "_pagination.html").read_text()
    assert pager.count("btn btn-secondary btn-small") == 2


def test_the_theme_follows_the_system_until_chosen(client):
    html = client.get("/accounts/login/").content.decode()
    assert "<html lang=\"zh-hans\">" in html  # no data-theme: prefers-color-scheme decides
    answer = client.post("/theme/", {"theme": "dark", "next": "/accounts/login/"})
    assert answer.status_code == 302 and answer["Location"] == "/accounts/login/"
    assert answer.cookies["theme"].value == "dark" and answer.cookies["theme"]["samesite"] == "Lax"
    assert '<html lang="zh-hans" data-theme="dark">' in client.get("/accounts/login/").content.decode()
    client.post("/theme/", {"theme": "light", "next": "/"})
    assert 'data-theme="light"' in client.get("/").content.decode()
    client.post("/theme/", {"theme": "system", "next": "/"})  # anything else: follow the system again
    assert "data-theme" not in client.get("/").content.decode().split(">", 2)[1]


def test_the_theme_cookie_is_never_echoed_raw(client):
    client.cookies["theme"] = '"><script>alert(1)</script>'
    html = client.get("/").content.decode()
    assert "<script>alert" not in html and "data-theme" not in html.split(">", 2)[1]


def test_set_theme_never_redirects_off_site(client):
    answer = client.post("/theme/", {"theme": "dark", "next": "https://evil.example/"})
    assert answer["Location"] == "/"
    assert client.get("/theme/").status_code == 405


def test_every_page_has_skip_link_landmarks_and_metadata(client):
    user = make_user()
    client.force_login(user)
    html = client.get("/").content.decode()
    assert re.search(r'<a class="skip-link" href="#main">跳到正文</a>', html)
    assert '<main class="container" id="main" tabindex="-1">' in html
    assert re.search(r'<meta name="description" content="[^"]{20,}">', html)
    assert '<meta name="color-scheme" content="light dark">' in html
    # The compact nav: the links fold into a <details> menu (works without JavaScript); 发帖 and
    # the theme toggle stay in the bar.
    assert re.search(r'<details class="menu" data-menu>\s*<summary class="icon-button menu-button">', html)
    menu = html[html.index('<details class="menu"'):html.index("</details>")]
    assert "我的帖子" in menu and user.username in menu and "退出" in menu
    bar = html[html.index("</details>"):html.index("</nav>")]
    assert "发帖" in bar and 'value="dark"' in bar and 'value="light"' in bar
    assert "切换到深色模式" in bar and "切换到浅色模式" in bar  # the icon buttons have names
    # Scripts only from files (the CSP forbids inline ones), translations first.
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts)
    assert html.index("/jsi18n/") < html.index("js/site.js")


def test_the_javascript_catalog_translates(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    answer = client.get("/jsi18n/", {"v": "en"})
    assert answer.status_code == 200 and "javascript" in answer["Content-Type"]
    assert "max-age=86400" in answer["Cache-Control"]
    body = answer.content.decode()
    assert f'{json.dumps("最多 %(max)s 张图片")}: "At most %(max)s images"' in body


def test_no_script_carries_a_hard_coded_chinese_string():
    """Every string a script shows comes from gettext() (the djangojs catalog) or the page."""
    cjk = re.compile(r"[\u4e00-\u9fff]")
    offenders = []
    for path in sorted((ROOT / "static" / "js").glob("*.js")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("//", 1)[0]
            for literal in re.findall(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', code):
                if cjk.search(literal) and not re.search(r"\b(gettext|t|ngettext)\(\s*$", code[: code.index(literal)]):
                    offenders.append(f"{path.name}:{number}: {literal}")
    assert not offenders, offenders


def test_links_in_notes_and_comments_are_clickable_and_safe(client):
    from comments.services import comment_create
    from treehole.testing import make_categories, make_note

    make_categories()
    author = make_user()
    note = make_note(author, content="参考 https://example.com/help?a=1&b=2 。\n<script>x</script> javascript:alert(1)")
    comment_create(user=make_user(), note_id=note.pk, content="我也看了 http://example.org/x，谢谢")
    html = client.get(f"/notes/{note.pk}/").content.decode()
    assert '参考 <a href="https://example.com/help?a=1&amp;b=2" rel="nofollow ugc noopener">https://example.com/help?a=1&amp;b=2</a> 。<br>' in html
    assert "&lt;script&gt;x&lt;/script&gt; javascript:alert(1)" in html and 'href="javascript' not in html
    assert '我也看了 <a href="http://example.org/x" rel="nofollow ugc noopener">http://example.org/x</a>，谢谢' in html


def test_compose_gives_the_browser_the_server_limits(client):
    from treehole.testing import make_categories

    make_categories()
    client.force_login(make_user())
    html = client.get("/notes/new/").content.decode()
    limits = settings.TREEHOLE_LIMITS
    assert f'data-max-bytes="{limits["image_bytes"]}"' in html and f'data-max="{limits["images_per_note"]}"' in html
    assert 'accept="image/jpeg,image/png,image/webp,image/gif"' in html
    assert 'data-draft-key="treehole.draft.note"' in html
    assert re.search(r'<textarea[^>]*data-counter[^>]*maxlength="%d"|<textarea[^>]*maxlength="%d"[^>]*data-counter' % ((limits["note_content"],) * 2), html)
    # The anonymous switch sits beside its label, inside it.
    assert re.search(r'<label class="switch" for="id_anonymous"><input type="checkbox" name="anonymous"[^>]*> <span>匿名发布', html)
    # The avatar picker is checked the same way before the profile form is sent.
    profile = client.get("/accounts/me/edit/").content.decode()
    assert re.search(r'<input type="file" name="avatar"[^>]*data-check-file[^>]*data-max-bytes="%d"' % limits["image_bytes"], profile)


def test_robots_txt_keeps_robots_out_of_the_api_and_the_admin(client):
    answer = client.get("/robots.txt")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/plain")
    assert answer.content.decode().splitlines() == ["User-agent: *", "Disallow: /admin/", "Disallow: /api/"]
