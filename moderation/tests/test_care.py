"""Care that ships: the defaults the data migration loads, matching in the care-normalised text
(variants, evasions, exceptions, a+b phrases), migrations that never clobber an admin's edit,
the card in both languages, the footer's numbers, and self-harm reports that never fold."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as global_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import translation

from moderation import care, care_defaults
from moderation.models import Case, CareMessage, CrisisPhrase, Hotline
from moderation.tests.test_reports import report
from treehole.testing import make_user, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_care_state():
    # The shipped rows, as the migration leaves them (a transactional test elsewhere in the run
    # may have emptied the tables; seeding only adds what is missing).
    care_defaults.seed(global_apps)
    care.state.invalidate()
    yield
    care.state.invalidate()


def test_the_migration_ships_phrases_hotlines_and_care_text_in_both_languages():
    CrisisPhrase.objects.all().delete()
    Hotline.objects.all().delete()
    CareMessage.objects.all().delete()
    importlib.import_module("moderation.migrations.0003_care_defaults").forwards(_state_apps("0003_care_defaults"), None)
    phrases = set(CrisisPhrase.objects.filter(enabled=True, exception=False).values_list("phrase", flat=True))
    for phrase in ("想死", "不想活了", "自杀", "轻生", "割腕", "跳楼", "结束生命", "活不下去", "安眠药+攒", "遗书",
                   "去世界的另一边", "zs", "自s", "紫砂"):
        assert phrase in phrases, phrase
    assert CrisisPhrase.objects.filter(exception=True, phrase="想死你").exists()
    numbers = list(Hotline.objects.filter(enabled=True).order_by("order").values_list("phone", flat=True))
    assert numbers == ["12356", "400-161-9995", "010-82951332", "110", "120"]
    assert set(CareMessage.objects.values_list("language", flat=True)) == {"zh-hans", "en"}


@pytest.mark.parametrize(
    "text",
    [
        "想自杀，不想活了",
        "我真的 不 想 活 了",
        "想.死",
        "自殺",  # traditional
        "活不下去了……",
        "已经攒了一瓶安眠药",
        "安眠药我攒够了",
        "想去世界的另一边看看",
        "我想zs",
        "想 zs 了",
        "有点想自s",
        "好想紫砂",
        "昨晚写好了遗书",
        "准备明天跳楼",
        "I want to kill myself",
        "ＳＵＩＣＩＤＥ",
        "想\u200b自\u200b杀",  # zero-width spaces between the characters
        "我想ｚｓ",  # full-width letters
        "想死你了，但我是真的想死",  # the second one counts
    ],
)
def test_crisis_phrases_match_with_variants_and_evasions(text):
    assert care.needs_care(text), text


@pytest.mark.parametrize(
    "text",
    [
        "今天天气很好",
        "想死你了！",  # "I miss you so much"
        "好久不见，想死我了",
        "我用 zsh 写脚本",  # "zs" glued to other letters
        "买了一把紫砂壶",
        "安眠药的说明书",  # one part of an a+b phrase alone
        "规划自己的未来",
        "I have the skill myself",
        "",
    ],
)
def test_everyday_text_does_not_match(text):
    assert not care.needs_care(text), text


def test_a_plus_b_parts_must_be_close():
    far = "安眠药" + "。" * 5 + "今天" * 30 + "攒钱买相机"
    assert not care.needs_care(far)
    assert care.crisis_matches("攒了好多安眠药") == ["安眠药+攒"]


def test_an_admin_edit_is_matched_after_reload_and_a_disabled_phrase_is_not():
    CrisisPhrase.objects.filter(phrase="跳楼").update(enabled=False)
    CrisisPhrase.objects.create(phrase="撑不住了")
    care.state.invalidate()
    assert not care.needs_care("想跳楼") and care.needs_care("真的撑 不住了")


def test_care_card_in_both_languages_with_numbers_to_dial():
    with translation.override("zh-hans"):
        card = care.care_for_text("不想活了")
    assert card.title == "你并不孤单" and "110" in card.body
    assert [line["tel"] for line in card.hotlines] == ["12356", "4001619995", "01082951332", "110", "120"]
    assert card.hotlines[0]["name"] == "全国心理援助热线"
    with translation.override("en"):
        english = care.care_for_text("I want to end my life")
    assert english.title == "You are not alone" and english.hotlines[1]["name"] == "Hope 24 Hotline"
    assert care.care_for_text("晚安") is None


def test_with_every_hotline_removed_the_card_still_lists_the_shipped_numbers():
    Hotline.objects.all().delete()
    care.state.invalidate()
    assert [line["phone"] for line in care.care_card("zh-hans").hotlines][:2] == ["12356", "400-161-9995"]


def test_every_page_footer_lists_the_hotline_numbers():
    html = Client().get("/").content.decode()
    footer = html[html.index('<footer class="footer">'):]
    for number in ("12356", "400-161-9995", "010-82951332", "110", "120"):
        assert number in footer, number
    assert 'href="tel:12356"' in footer and 'href="tel:4001619995"' in footer
    assert "请联系身边的人或心理援助热线" not in html
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()
    assert "National mental health helpline" in english


def test_the_footer_shows_the_shipped_numbers_when_the_database_cannot_answer(monkeypatch):
    def broken():
        raise RuntimeError("database down")

    monkeypatch.setattr(care.state, "get", broken)
    assert [line["phone"] for line in care.hotlines()] == ["12356", "400-161-9995", "010-82951332", "110", "120"]


# --- the data migration ----------------------------------------------------------------------


def _state_apps(name: str):
    return MigrationExecutor(connection).loader.project_state(("moderation", name)).apps


def test_rerunning_the_migration_never_clobbers_an_admin_edit_and_reverse_keeps_edits():
    migration = importlib.import_module("moderation.migrations.0003_care_defaults")
    state_apps = _state_apps("0003_care_defaults")
    CrisisPhrase.objects.filter(phrase="想死").update(enabled=False)
    Hotline.objects.filter(phone="12356").update(hours="每天 8:00-22:00")
    CareMessage.objects.filter(language="zh-hans").update(title="抱抱你")
    CrisisPhrase.objects.filter(phrase="跳河").delete()
    migration.forwards(state_apps, None)  # re-run
    assert CrisisPhrase.objects.get(phrase="想死").enabled is False
    assert Hotline.objects.get(phone="12356").hours == "每天 8:00-22:00"
    assert CareMessage.objects.get(language="zh-hans").title == "抱抱你"
    assert CrisisPhrase.objects.filter(phrase="跳河").exists()  # missing rows come back
    assert Hotline.objects.count() == len(care_defaults.HOTLINES)
    migration.backwards(state_apps, None)  # reverse: only rows still exactly as shipped go
    assert set(CrisisPhrase.objects.values_list("phrase", flat=True)) == {"想死"}
    assert list(Hotline.objects.values_list("phone", flat=True)) == ["12356"]
    assert list(CareMessage.objects.values_list("title", flat=True)) == ["抱抱你"]
    migration.forwards(state_apps, None)
    assert CrisisPhrase.objects.count() == len(care_defaults.CRISIS_PHRASES) + len(care_defaults.EXCEPTIONS)


# --- self-harm reports -------------------------------------------------------------------------


def test_self_harm_reports_never_fold_they_raise_a_priority_case(things):
    author = make_user()
    thing = things.add(21, author, content="最近很难熬")
    for _ in range(4):
        assert report(token_client(make_user()), 21, "self_harm").status_code == 201
    case = Case.objects.get(target_type="thing", target_id=21)
    assert thing.calls == [] and not thing.folded and not case.folded
    assert case.status == "open" and case.self_harm and case.priority == Case.PRIORITY_CARE
    assert case.report_count == 4
    assert list(Case.objects.filter(status="open").values_list("target_id", flat=True))[0] == 21


def test_other_reasons_still_fold_beside_self_harm_reports(things):
    author = make_user()
    thing = things.add(22, author)
    for reason in ("self_harm", "self_harm", "spam", "abuse"):
        report(token_client(make_user()), 22, reason)
    assert thing.calls == []
    report(token_client(make_user()), 22, "spam")  # the third non-self-harm reporter
    assert thing.calls == [("fold", True)]

