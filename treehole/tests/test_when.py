"""The one time helper (treehole/when.py, {% when %}): local time zone, relative for recent times,
the exact time in the title — and the pages that used to slice the UTC ISO string."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import translation

from treehole import clock, when

UTC = timezone.utc
# 2026-12-01 15:28:07 in Shanghai (UTC+8) is 07:28:07 UTC.
NOW = datetime(2026, 12, 1, 7, 28, 7, tzinfo=UTC)

CASES = [
    # (seconds before NOW, Chinese, English)
    (0, "刚刚", "just now"),
    (4, "刚刚", "just now"),
    (-60, "刚刚", "just now"),  # a writer's clock a minute ahead
    (60, "1 分钟前", "1 minute ago"),
    (3 * 60 + 59, "3 分钟前", "3 minutes ago"),
    (59 * 60, "59 分钟前", "59 minutes ago"),
    (2 * 3600, "今天 13:28", "today 13:28"),
    (15 * 3600 + 28 * 60, "今天 00:00", "today 00:00"),
    (15 * 3600 + 28 * 60 + 8, "昨天 23:59", "yesterday 23:59"),
    (16 * 3600 + 18 * 60, "昨天 23:10", "yesterday 23:10"),
    (40 * 3600, "11月29日 23:28", "Nov 29, 23:28"),
    (300 * 86400, "2月4日 15:28", "Feb 4, 15:28"),
    (400 * 86400, "2025年10月27日", "Oct 27, 2025"),
    (-86400, "12月2日 15:28", "Dec 2, 15:28"),  # well in the future: the date, never "刚刚"
]


@pytest.mark.parametrize(("seconds", "chinese", "english"), CASES)
def test_rules_in_both_languages(seconds, chinese, english, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    moment = NOW - timedelta(seconds=seconds)
    with translation.override("zh-hans"):
        assert when.describe(moment, now=NOW).text == chinese
    with translation.override("en"):
        assert when.describe(moment, now=NOW).text == english


def test_exact_time_and_iso_are_local(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    described = when.describe("2026-12-01T07:28:07.123456+00:00", now=NOW)
    assert described.exact == "2026-12-01 15:28:07"
    assert described.iso == "2026-12-01T15:28:07+08:00"


def test_another_zone_moves_the_day(settings):
    settings.TIME_ZONE = "America/New_York"  # 02:28 on Dec 1 there
    with translation.override("zh-hans"):
        assert when.describe(NOW - timedelta(hours=3), now=NOW).text == "昨天 23:28"


def test_iso_strings_naive_values_and_garbage():
    assert when.describe("2026-12-01T07:27:07Z", now=NOW).text in ("1 分钟前", "1 minute ago")
    assert when.describe(datetime(2026, 12, 1, 7, 27, 7), now=NOW).exact.endswith("15:27:07")  # naive = UTC
    assert when.describe("yesterday", now=NOW) is None
    assert when.describe(None, now=NOW) is None
    assert when.describe(42, now=NOW) is None


def test_template_tag_renders_a_time_element_with_the_exact_title(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    template = Template('{% load when %}{% when value %}|{% when value class="muted" %}|{{ value|when_text }}|{% when "" %}')
    with clock.frozen(NOW), translation.override("zh-hans"):
        html = template.render(Context({"value": (NOW - timedelta(minutes=3)).isoformat()}))
    first, second, text, empty = html.split("|")
    assert first == '<time datetime="2026-12-01T15:25:07+08:00" title="2026-12-01 15:25:07" data-when>3 分钟前</time>'
    assert second.startswith('<time class="muted" datetime="2026-12-01T15:25:07+08:00"')
    assert text == "3 分钟前"
    assert empty == ""


def test_config_gives_the_script_the_same_strings(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    with translation.override("en"):
        html = Template("{% load when %}{% when_config %}").render(Context({}))
    assert html.startswith('<script id="treehole-when" type="application/json">')
    assert '"tz": "Asia/Shanghai"' in html and '"minutes_other": "%(n)s minutes ago"' in html and '"Dec"' in html


@pytest.mark.django_db
def test_comment_times_are_local_and_relative_not_a_sliced_utc_string(settings):
    """The bug: the thread showed ``2026-12-0115:28`` (the UTC ISO string, sliced and cut)."""
    from comments.services import comment_create
    from notes.models import Category
    from notes.ranking import categories_changed
    from notes.services import note_create
    from treehole.testing import make_user

    settings.TIME_ZONE = "Asia/Shanghai"
    limits = dict(settings.RATE_LIMITS)
    for action in ("global", "anon", "post", "comment"):
        limits[action] = (1e6, 1e6)
    settings.RATE_LIMITS = limits
    Category.objects.get_or_create(slug="emotion", defaults={"name": "情感"})
    categories_changed()
    author = make_user()
    with clock.frozen(NOW - timedelta(minutes=10)):
        note = note_create(author=author, title="夜里", content="睡不着", category="emotion")
    with clock.frozen(NOW - timedelta(minutes=3)):
        comment_create(user=author, note_id=note.pk, content="我也是")
    with clock.frozen(NOW):
        html = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(f"/notes/{note.pk}/").content.decode()
    assert "2026-12-0107:25" not in html and "2026-12-0115:25" not in html
    comment_time = re.search(r'<time class="muted" datetime="([^"]+)" title="([^"]+)" data-when>([^<]+)</time>', html)
    assert comment_time.groups() == ("2026-12-01T15:25:07+08:00", "2026-12-01 15:25:07", "3 分钟前")
    # The note above uses the same helper, in the same zone.
    assert '<time datetime="2026-12-01T15:18:07+08:00" title="2026-12-01 15:18:07" data-when>10 分钟前</time>' in html
