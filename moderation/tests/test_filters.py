"""The sensitive-word filter and the care list: block / mask / hold, regexes, normalization,
admin edits reaching every process (two real processes), and the page pieces."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import Client, RequestFactory

from moderation import filters
from moderation.care import care_card, needs_care
from moderation.models import AuditLog, CareMessage, CrisisPhrase, Hotline, SensitiveWord
from treehole.errors import InvalidInput
from treehole.redis import get_redis
from treehole.testing import make_user

pytestmark = pytest.mark.django_db

# The text fields the issue names; each app passes its field name (usernames: "username").
FIELDS = ("title", "content", "comment", "message", "username")


def words(*entries):
    for pattern, action, *regex in entries:
        SensitiveWord.objects.create(pattern=pattern, action=action, is_regex=bool(regex and regex[0]))
    filters.matcher.invalidate()


@pytest.mark.parametrize("field", FIELDS)
def test_block_names_the_field(field):
    words(("代开发票", "block"))
    with pytest.raises(InvalidInput) as raised:
        filters.screen_text("专业代开发票，联系我", field=field)
    assert list(raised.value.fields) == [field]
    assert "代开发票" in raised.value.fields[field][0]


@pytest.mark.parametrize("field", [f for f in FIELDS if f != "username"])
def test_mask_replaces_each_character_with_a_star(field):
    words(("傻瓜", "mask"), ("fool", "mask"))
    result = filters.screen_text("你这个傻瓜, you FOOL!", field=field)
    assert result.text == "你这个**, you ****!" and not result.held and result.masked


@pytest.mark.parametrize("field", [f for f in FIELDS if f != "username"])
def test_hold_keeps_the_text_and_marks_it_held(field):
    words(("加微信", "hold"))
    result = filters.screen_text("想聊可以加微信", field=field)
    assert result.text == "想聊可以加微信" and result.held


@pytest.mark.parametrize("action", ["hold", "mask"])
def test_hold_or_mask_on_a_username_is_a_refusal(action):
    words(("加微信", action))
    with pytest.raises(InvalidInput) as raised:
        filters.screen_text("加微信123", field="username")
    assert "username" in raised.value.fields


def test_regexes_fullwidth_case_and_clean_text():
    words((r"\d{11}", "mask", True), (r"v\s*x\s*\d+", "hold", True), (r"赌\W*博", "block", True))
    assert filters.screen_text("电话 13800138000 找我", field="content").text == "电话 *********** 找我"
    assert filters.screen_text("加ＶＸ 123", field="content").held  # full-width and upper case
    with pytest.raises(InvalidInput):
        filters.screen_text("网上赌-博", field="content")
    clean = filters.screen_text("今天的晚霞很好看", field="content")
    assert clean.text == "今天的晚霞很好看" and not clean.held and clean.hits == []


def test_strictest_action_wins_and_disabled_entries_are_ignored():
    words(("坏词", "mask"), ("坏词", "block", True))
    SensitiveWord.objects.create(pattern="停用词", action="block", enabled=False)
    filters.matcher.invalidate()
    with pytest.raises(InvalidInput):
        filters.screen_text("一个坏词", field="content")
    assert filters.screen_text("停用词没事", field="content").text == "停用词没事"


def test_screen_fields_reports_every_blocked_field():
    words(("广告", "block"), ("笨蛋", "mask"))
    with pytest.raises(InvalidInput) as raised:
        filters.screen_fields({"title": "广告", "content": "也是广告"})
    assert set(raised.value.fields) == {"title", "content"}
    assert filters.screen_fields({"title": "笨蛋", "content": "ok"}) == ({"title": "**", "content": "ok"}, False)


def test_admin_edit_is_audited_and_reaches_this_process(settings):
    settings.MODERATION_RELOAD_SECONDS = 0.2
    staff = make_user(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    assert filters.screen_text("小明是骗子", field="content").text == "小明是骗子"
    before = int(get_redis().get("treehole:moderation:lists:version") or 0)
    response = client.post(
        "/admin/moderation/sensitiveword/add/", {"pattern": "骗子", "action": "mask", "enabled": "on", "note": ""}
    )
    assert response.status_code == 302, response.content[:2000]
    assert int(get_redis().get("treehole:moderation:lists:version")) == before + 1
    time.sleep(0.3)
    assert filters.screen_text("小明是骗子", field="content").text == "小明是**"
    row = AuditLog.objects.get(action="words_changed")
    assert row.actor == staff and row.detail["items"] == ["骗子"]
    bad = client.post("/admin/moderation/sensitiveword/add/", {"pattern": "(unclosed", "is_regex": "on", "action": "block"})
    assert bad.status_code == 200 and "正则" in bad.content.decode()
    empty = client.post("/admin/moderation/sensitiveword/add/", {"pattern": "x*", "is_regex": "on", "action": "block"})
    assert empty.status_code == 200 and not SensitiveWord.objects.filter(pattern="x*").exists()


CHILD = textwrap.dedent(
    """
    import os, sys, time
    import django
    os.environ["DJANGO_SETTINGS_MODULE"] = "treehole.settings"
    django.setup()
    from django.conf import settings
    from django.db import connection
    settings.MODERATION_RELOAD_SECONDS = 0.5
    connection.settings_dict["NAME"] = sys.argv[1]
    from moderation.filters import screen_text
    print("ready", screen_text("这是秘密", field="content").text, flush=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        text = screen_text("这是秘密", field="content").text
        if text != "这是秘密":
            print("changed", text, flush=True)
            break
        time.sleep(0.05)
    else:
        print("timeout", flush=True)
    """
)


@pytest.mark.django_db(transaction=True)
def test_list_edit_reaches_another_process_within_seconds():
    """A second, real process with its matcher already compiled sees an edit made here."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, connection.settings_dict["NAME"]],
        cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        first = child.stdout.readline().strip()
        assert first == "ready 这是秘密", (first, child.stderr.read() if child.poll() is not None else "")
        from moderation import services

        staff = make_user(is_staff=True)
        SensitiveWord.objects.create(pattern="秘密", action="mask")
        started = time.monotonic()
        services.lists_changed(actor=staff, action="words_changed")  # on commit: bump the version
        line = child.stdout.readline().strip()
        elapsed = time.monotonic() - started
        assert line == "changed 这是**", line
        assert elapsed < 3, elapsed
    finally:
        child.kill()
        child.wait()


# --- care -------------------------------------------------------------------------------------


def test_needs_care_and_the_card_from_the_admin():
    CrisisPhrase.objects.update(enabled=False)  # only this test's list
    CrisisPhrase.objects.update_or_create(phrase="不想活了", defaults={"enabled": True})
    CrisisPhrase.objects.create(phrase="想消失", enabled=False)
    CareMessage.objects.filter(language="zh-hans").delete()
    CareMessage.objects.create(language="zh-hans", title="抱抱你", body="你的感受很重要。")
    Hotline.objects.all().delete()
    Hotline.objects.create(name="心理援助热线", phone="400-161-9995", hours="24 小时", order=1)
    from moderation.care import state

    state.invalidate()
    assert needs_care("我真的不想活了……")
    assert not needs_care("想消失") and not needs_care("今天很开心") and not needs_care("")
    card = care_card("zh-hans")
    assert card.title == "抱抱你"
    assert card.hotlines == [{"name": "心理援助热线", "phone": "400-161-9995", "tel": "4001619995", "hours": "24 小时"}]
    html = Template('{% include "moderation/care_card.html" with text=t %}').render(Context({"t": "不想活了"}))
    assert "抱抱你" in html and "400-161-9995" in html and "tel:4001619995" in html
    assert "style=" not in html and "<script" not in html
    assert Template('{% include "moderation/care_card.html" with text=t %}').render(Context({"t": "晚安"})).strip() == ""


def test_page_pieces_have_no_inline_script_or_style():
    user = make_user()
    request = RequestFactory().get("/notes/1")
    request.user = user
    html = Template(
        '{% load moderation %}{% moderation_assets %}'
        '{% include "moderation/report_button.html" with target_type="note" target_id=42 %}'
    ).render(Context({"user": user, "request": request, "csrf_token": "x"}))
    assert 'data-target-type="note"' in html and 'data-target-id="42"' in html
    assert "js/report.js" in html and "css/moderation.css" in html
    assert "style=" not in html and " on" not in html.replace(" one", "")
    for chunk in html.split("<script")[1:]:
        assert chunk.split(">", 1)[1].startswith("</script>")  # only src= scripts
