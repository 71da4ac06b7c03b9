"""How every page says *when*: one set of rules for the server and for the pages' scripts.

Times are shown in the site's time zone (``TIME_ZONE``), the way Chinese sites speak:

    < 1 minute (or a little in the future)  刚刚              just now
    < 1 hour                                3 分钟前          3 min ago
    earlier today                           今天 08:05         today 08:05
    yesterday                               昨天 23:10         yesterday 23:10
    this year                               3月5日 14:05       Mar 5, 14:05
    before                                  2025年3月5日       Mar 5, 2025

(never "4秒之前"), with the exact local time in the ``<time>`` element's title. The template tag
``{% when value %}`` (treehole/templatetags/when.py) renders the element; ``static/js/when.js``
applies the same rules, with the same strings (``when_strings()``, passed to the page by
``{% when_config %}``), to what scripts render (chat messages, live items) and refreshes every
``<time data-when>`` on the page each minute. tests/e2e/test_when.py checks that both agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from treehole import clock

# A writer's clock a little ahead of ours still reads as "just now".
FUTURE_TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True)
class When:
    text: str  # what the page shows: 刚刚, 3 分钟前, 昨天 23:10, …
    exact: str  # the local time to the second: 2026-12-01 15:28:07
    iso: str  # for the datetime attribute (ISO 8601 with the offset)


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone() -> ZoneInfo:
    return _zone(settings.TIME_ZONE)


def parse(value) -> datetime | None:
    """A datetime from a datetime or an ISO 8601 string (as the API and the caches carry them);
    None for anything else. A naive value is taken as UTC (the database's)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = parse_datetime(value.strip())
        except ValueError:
            return None
        if moment is None:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment


def strings() -> dict[str, str]:
    """The phrases of the rules in the active language, placeholders spelled ``%(name)s``.
    ``static/js/when.js`` receives exactly these."""
    return {
        "just_now": _("刚刚"),
        "minutes_one": ngettext("%(n)s 分钟前", "%(n)s 分钟前", 1),
        "minutes_other": ngettext("%(n)s 分钟前", "%(n)s 分钟前", 2),
        "today": _("今天 %(time)s"),
        "yesterday": _("昨天 %(time)s"),
        "this_year": _("%(month)s%(day)s日 %(time)s"),
        "other_year": _("%(year)s年%(month)s%(day)s日"),
        "months": [
            _("1月"), _("2月"), _("3月"), _("4月"), _("5月"), _("6月"),
            _("7月"), _("8月"), _("9月"), _("10月"), _("11月"), _("12月"),
        ],
    }


def _fill(template: str, **values) -> str:
    for name, value in values.items():
        template = template.replace(f"%({name})s", str(value))
    return template


def describe(value, *, now: datetime | None = None) -> When | None:
    """The words for ``value`` (a datetime or an ISO string) seen at ``now`` (default: the project
    clock). None when ``value`` is not a time."""
    moment = parse(value)
    if moment is None:
        return None
    tz = zone()
    now = (now or clock.now()).astimezone(tz)
    local = moment.astimezone(tz)
    words = strings()
    hm = f"{local.hour:02d}:{local.minute:02d}"
    elapsed = now - local
    if -FUTURE_TOLERANCE <= elapsed < timedelta(minutes=1):
        text = words["just_now"]
    elif timedelta(0) <= elapsed < timedelta(hours=1):
        minutes = int(elapsed.total_seconds() // 60)
        text = _fill(words["minutes_one" if minutes == 1 else "minutes_other"], n=minutes)
    elif elapsed > timedelta(0) and local.date() == now.date():
        text = _fill(words["today"], time=hm)
    elif elapsed > timedelta(0) and local.date() == now.date() - timedelta(days=1):
        text = _fill(words["yesterday"], time=hm)
    elif local.year == now.year:
        text = _fill(words["this_year"], month=words["months"][local.month - 1], day=local.day, time=hm)
    else:
        text = _fill(words["other_year"], year=local.year, month=words["months"][local.month - 1], day=local.day)
    exact = f"{local:%Y-%m-%d %H:%M:%S}"
    return When(text=text, exact=exact, iso=local.isoformat(timespec="seconds"))
