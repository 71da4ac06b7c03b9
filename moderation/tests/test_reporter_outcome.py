"""Issue 14 item 14: a reporter learns only that their report was handled or that nothing was
wrong — never "banned" (which would tell them the anonymous author was banned), "hidden" or
"deleted" — in the API, on the "我的举报" page, in English too."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from moderation import services
from moderation.models import Case, Outcome
from treehole.testing import make_user, token_client

pytestmark = pytest.mark.django_db
WHAT_HAPPENED = ("封禁", "banned", "隐藏", "hidden", "删除", "deleted", "作者", "author")


def _reported(things, reporter, pk):
    author = make_user()
    things.add(pk, author, content=f"内容 {pk}")
    services.report_create(reporter=reporter, target_type="thing", target_id=pk, reason="abuse")
    return Case.objects.get(target_type="thing", target_id=pk), author


@pytest.fixture
def reporter(db):
    return make_user("reporter1")


def test_every_outcome_reaches_the_reporter_as_handled_or_no_violation(things, reporter):
    moderator = make_user(is_staff=True)
    cases = {outcome: _reported(things, reporter, pk)[0] for pk, outcome in enumerate(Outcome.values, start=1)}
    services.case_ban_author(case=cases[Outcome.BANNED], moderator=moderator, days=3, reason="辱骂")
    services.case_hide(case=cases[Outcome.HIDDEN], moderator=moderator)
    services.case_delete(case=cases[Outcome.DELETED], moderator=moderator)
    services.case_dismiss(case=cases[Outcome.DISMISSED], moderator=moderator)
    Case.objects.filter(pk=cases[Outcome.APPROVED].pk).update(held=True)
    services.case_approve(case=Case.objects.get(pk=cases[Outcome.APPROVED].pk), moderator=moderator)

    body = token_client(reporter).get_json("/api/v1/reports/mine").json()
    seen = {int(row["target_id"]): (row["outcome"], row["outcome_display"]) for row in body["results"]}
    by_outcome = {outcome: seen[case.target_id] for outcome, case in cases.items()}
    assert by_outcome == {
        Outcome.BANNED: ("handled", "已处理"),
        Outcome.HIDDEN: ("handled", "已处理"),
        Outcome.DELETED: ("handled", "已处理"),
        Outcome.DISMISSED: ("no_violation", "未发现违规"),
        Outcome.APPROVED: ("no_violation", "未发现违规"),
    }
    raw = token_client(reporter).get_json("/api/v1/reports/mine").content.decode()
    assert not [word for word in WHAT_HAPPENED if word in raw]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_my_reports_page_never_says_what_happened(things, reporter, language):
    moderator = make_user(is_staff=True)
    case, author = _reported(things, reporter, 1)
    services.case_ban_author(case=case, moderator=moderator, days=None, reason="违规")
    client = Client()
    client.force_login(reporter)
    html = client.get("/reports/mine/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    with translation.override(language):
        expected = str(translation.gettext("已处理"))
    assert expected in html
    body = html.split("<main", 1)[-1]
    assert not [word for word in ("封禁", "banned", "Banned", "作者", author.username) if word in body]


def test_the_schema_offers_only_the_two_outcomes(client):
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["ReportOut"]
    outcome = schema["properties"]["outcome"]
    enums = [option.get("enum") for option in outcome.get("anyOf", [outcome]) if option.get("enum")]
    assert enums == [["handled", "no_violation"]]
