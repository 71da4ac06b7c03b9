"""The pages' script says *when* exactly as the server does (static/js/when.js against
treehole/when.py), in both languages, and a chat message's time uses it (no toLocaleString)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import translation

from treehole import when
from treehole.tests.test_when import CASES, NOW

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_script_and_server_agree(new_page, language):
    page = new_page()
    page.context.add_cookies([{"name": "django_language", "value": language, "url": page.site_url}])
    page.goto("/")
    moments = [(NOW - timedelta(seconds=seconds)).isoformat() for seconds, _zh, _en in CASES]
    moments.append("2026-12-01T07:28:07.123456Z")
    moments.append("2026-06-30T16:00:00+00:00")  # midnight in Shanghai
    script = page.evaluate(
        "([moments, now]) => moments.map((m) => window.Treehole.when.describe(m, now))", [moments, NOW.isoformat()]
    )
    with translation.override(language):
        server = [when.describe(moment, now=NOW) for moment in moments]
    assert [(s["text"], s["exact"]) for s in script] == [(d.text, d.exact) for d in server]
    expected = [zh if language == "zh-hans" else en for _s, zh, en in CASES]
    assert [s["text"] for s in script[: len(CASES)]] == expected
    # The page's own times are refreshed by the same rules without changing what the server said.
    rendered = page.evaluate("() => [...document.querySelectorAll('time[data-when]')].map((t) => t.textContent)")
    page.evaluate("() => window.Treehole.when.refresh()")
    assert page.evaluate("() => [...document.querySelectorAll('time[data-when]')].map((t) => t.textContent)") == rendered
