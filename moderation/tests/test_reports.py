"""Reports, folding, the admin queue and its actions, audit rows, "my reports" — through the API,
the pages and the admin (actions posted with the test client), on MariaDB and Redis."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from moderation import services
from moderation.models import AuditLog, BanRecord, Case, Report
from treehole.testing import assert_error, make_user, token_client

pytestmark = pytest.mark.django_db


def report(client, target_id, reason="spam", target_type="thing", text=""):
    return client.post_json(
        "/api/v1/reports", {"target_type": target_type, "target_id": str(target_id), "reason": reason, "text": text}
    )


def staff_client():
    staff = make_user(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    return staff, client


def admin_action(client, action, cases, **fields):
    data = {"action": action, "_selected_action": [str(c.pk) for c in cases], "apply": "1", **fields}
    return client.post("/admin/moderation/case/", data)


# --- reports through the API -------------------------------------------------------------------


def test_report_is_201_and_second_report_by_same_user_is_409(things):
    author = make_user()
    thing = things.add(101, author)
    client = token_client(make_user())
    response = report(client, thing.pk, "abuse")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["target_type"] == "thing" and body["target_id"] == "101" and body["reason"] == "abuse"
    assert body["status"] == "open" and body["outcome"] is None
    assert isinstance(body["id"], str)
    assert "reporter" not in body
    assert_error(report(client, thing.pk, "spam"), 409, "conflict")
    assert Report.objects.count() == 1


def test_report_validation(things):
    author = make_user()
    things.add(1, author)
    client = token_client(make_user())
    assert_error(report(client, 1, "boring"), 400, "invalid", "reason")
    assert_error(report(client, 1, "other"), 400, "invalid", "text")  # "other" needs a text
    assert_error(report(client, "x", "spam"), 400, "invalid", "target_id")
    assert_error(report(client, 1, "spam", target_type="planet"), 400, "invalid", "target_type")
    assert_error(report(client, 999, "spam"), 404, "not_found")
    assert_error(report(token_client(author), 1, "spam"), 400, "invalid")  # own content
    assert report(client, 1, "other", text="奇怪的链接").status_code == 201
    anonymous = token_client(make_user())
    anonymous.token = None
    assert_error(report(anonymous, 1), 401, "unauthenticated")


def test_report_of_hidden_target_is_404_and_held_target_only_its_author_sees(things):
    author = make_user()
    things.add(1, author, hidden=True)
    things.add(2, author, held=True)
    client = token_client(make_user())
    assert_error(report(client, 1), 404, "not_found")
    assert_error(report(client, 2), 404, "not_found")


def test_folded_exactly_at_the_threshold_of_distinct_reporters(things, settings):
    settings.MODERATION_FOLD_THRESHOLD = 3
    author = make_user()
    thing = things.add(7, author)
    clients = [token_client(make_user()) for _ in range(3)]
    assert report(clients[0], 7).status_code == 201
    assert report(clients[1], 7, "abuse").status_code == 201
    assert not thing.folded and thing.calls == []
    assert_error(report(clients[1], 7), 409, "conflict")  # the same user again does not count
    assert not thing.folded
    assert report(clients[2], 7).status_code == 201
    assert thing.folded and thing.calls == [("fold", True)]  # through the kind's fold callback, once
    case = Case.objects.get(target_type="thing", target_id=7)
    assert case.report_count == 3 and case.folded and case.status == "open"
    fold = AuditLog.objects.get(action="fold")
    assert fold.actor is None and fold.target_id == 7 and fold.target_user == author
    assert report(token_client(make_user()), 7).status_code == 201
    assert thing.calls == [("fold", True)]  # a fourth reporter folds nothing again


def test_concurrent_reporters_fold_once(things, settings, transactional_db):
    settings.MODERATION_FOLD_THRESHOLD = 3
    author = make_user()
    thing = things.add(8, author)
    reporters = [make_user() for _ in range(6)]
    barrier = threading.Barrier(len(reporters))
    errors = []

    def run(user):
        try:
            barrier.wait()
            services.report_create(reporter=user, target_type="thing", target_id=8, reason="spam")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in reporters]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    case = Case.objects.get(target_type="thing", target_id=8)
    assert case.report_count == 6 and Report.objects.filter(case=case).count() == 6
    assert thing.calls == [("fold", True)]
    assert AuditLog.objects.filter(action="fold").count() == 1


def test_self_harm_report_and_crisis_text_go_to_the_top_of_the_queue(things):
    from moderation.models import CrisisPhrase

    CrisisPhrase.objects.get_or_create(phrase="不想活了")
    author = make_user()
    for pk in (1, 2, 3):
        things.add(pk, author, content=f"普通内容 {pk}")
    things.add(4, author, content="最近真的不想活了")
    many = [token_client(make_user()) for _ in range(3)]
    for client in many:
        report(client, 1)  # three spam reports
    report(many[0], 2, "self_harm")  # one self-harm report
    report(many[0], 3)
    report(many[1], 4)  # a crisis phrase in the text
    order = [c.target_id for c in Case.objects.filter(status="open")]
    assert set(order[:2]) == {2, 4} and order[2:] == [1, 3]
    assert Case.objects.get(target_id=2).self_harm and Case.objects.get(target_id=4).crisis


def test_content_saved_opens_a_case_for_crisis_and_held_only(things):
    from moderation.models import CrisisPhrase

    CrisisPhrase.objects.get_or_create(phrase="不想活了")
    author = make_user()
    assert services.content_saved(target_type="thing", target_id=5, text="今天天气很好", author=author) is None
    case = services.content_saved(target_type="thing", target_id=6, text="我不想活了", author=author)
    assert case.crisis and case.priority == Case.PRIORITY_CARE and case.status == "open"
    held = services.content_saved(target_type="thing", target_id=9, text="x", held=True, author=author)
    assert held.held and held.priority == Case.PRIORITY_HELD
    assert AuditLog.objects.filter(action="hold", target_id=9).exists()


# --- the admin queue ---------------------------------------------------------------------------


def _reported(things, pk, n=3, reason="spam"):
    author = make_user()
    thing = things.add(pk, author)
    reporters = [make_user() for _ in range(n)]
    for user in reporters:
        services.report_create(reporter=user, target_type="thing", target_id=pk, reason=reason)
    return thing, author, reporters, Case.objects.get(target_type="thing", target_id=pk)


def test_queue_page_lists_open_cases_without_authors(things):
    _thing, author, reporters, case = _reported(things, 11)
    _staff, client = staff_client()
    page = client.get("/admin/moderation/case/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "thing #11" in html and "垃圾广告×3" in html
    assert author.username not in html  # the author is shown only on the audited page
    detail = client.get(f"/admin/moderation/case/{case.pk}/change/")
    assert detail.status_code == 200
    assert reporters[0].username in detail.content.decode()  # staff see reporters
    assert author.username not in detail.content.decode()


def test_admin_dismiss_unfolds_closes_reports_and_audits(things):
    thing, author, reporters, case = _reported(things, 12)
    staff, client = staff_client()
    confirm = client.post("/admin/moderation/case/", {"action": "dismiss", "_selected_action": [case.pk]})
    assert confirm.status_code == 200 and "原因" in confirm.content.decode()  # the confirmation step
    response = admin_action(client, "dismiss", [case], reason="正常讨论")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "closed" and case.outcome == "dismissed" and case.closed_by == staff
    assert thing.calls[-1] == ("fold", False) and not thing.folded
    assert set(Report.objects.filter(case=case).values_list("status", "outcome")) == {("closed", "dismissed")}
    row = AuditLog.objects.get(action="dismiss")
    assert (row.actor, row.target_type, row.target_id, row.target_user, row.reason) == (staff, "thing", 12, author, "正常讨论")
    # Acting on a closed case again is refused, not repeated.
    admin_action(client, "dismiss", [case])
    assert AuditLog.objects.filter(action="dismiss").count() == 1


def test_admin_hide_and_delete(things):
    hidden, _a, _r, hide_case = _reported(things, 13)
    deleted, _a2, _r2, delete_case = _reported(things, 14)
    staff, client = staff_client()
    assert admin_action(client, "hide_target", [hide_case], reason="辱骂").status_code == 302
    assert admin_action(client, "delete_target", [delete_case], reason="广告").status_code == 302
    assert hidden.hidden and ("hide",) in hidden.calls
    assert deleted.deleted and ("delete",) in deleted.calls
    hide_case.refresh_from_db()
    delete_case.refresh_from_db()
    assert hide_case.outcome == "hidden" and delete_case.outcome == "deleted"
    assert set(AuditLog.objects.filter(actor=staff).values_list("action", "target_id")) == {("hide", 13), ("delete", 14)}


def test_admin_ban_author_escalates_revokes_tokens_and_audits(things):
    from treehole.clock import now

    staff, client = staff_client()
    thing, author, _reporters, case = _reported(things, 15)
    author_client = token_client(author)
    assert author_client.get_json("/api/v1/me").status_code == 200
    confirm = client.post("/admin/moderation/case/", {"action": "ban_author", "_selected_action": [case.pk]})
    assert 'value="1" selected' in confirm.content.decode()  # first ban: 1 day by default
    assert admin_action(client, "ban_author", [case], days="1", reason="广告").status_code == 302
    author.refresh_from_db()
    assert author.ban_active and abs((author.banned_until - now()) - timedelta(days=1)) < timedelta(minutes=1)
    assert thing.hidden  # the content goes too
    assert_error(author_client.get_json("/api/v1/me"), 401, "token_expired")  # tokens revoked
    case.refresh_from_db()
    assert case.outcome == "banned"
    assert AuditLog.objects.filter(action="ban", target_user=author, actor=staff).count() == 1
    assert services.next_ban_days(author) == 3

    # The next case of the same author defaults to the next step: 3, then 7, 30, permanent.
    for pk, expected_default, chosen in ((16, "3", "3"), (17, "7", "7"), (18, "30", "30"), (19, "forever", "forever")):
        things.add(pk, author)
        for user in [make_user() for _ in range(1)]:
            services.report_create(reporter=user, target_type="thing", target_id=pk, reason="abuse")
        next_case = Case.objects.get(target_id=pk)
        confirm = client.post("/admin/moderation/case/", {"action": "ban_author", "_selected_action": [next_case.pk]})
        assert f'value="{expected_default}" selected' in confirm.content.decode()
        assert admin_action(client, "ban_author", [next_case], days=chosen).status_code == 302
    author.refresh_from_db()
    assert author.ban_active and author.banned_until is None  # permanent
    assert list(BanRecord.objects.filter(user=author).order_by("created_at", "id").values_list("days", flat=True)) == [
        1, 3, 7, 30, None
    ]
    assert services.next_ban_days(author) is None


def test_reveal_author_only_in_admin_and_audited(things):
    thing, author, _r, case = _reported(things, 20)
    staff, client = staff_client()
    page = client.get(f"/admin/moderation/case/{case.pk}/author/")
    assert page.status_code == 200 and author.username in page.content.decode()
    row = AuditLog.objects.get(action="reveal_author")
    assert row.actor == staff and row.target_user == author and row.detail == {"anonymous": True}
    # Not staff: no way in.
    user = Client()
    user.force_login(make_user())
    assert user.get(f"/admin/moderation/case/{case.pk}/author/").status_code == 302
    assert AuditLog.objects.filter(action="reveal_author").count() == 1


def test_audit_log_is_read_only_in_admin(things):
    _reported(things, 21)
    _staff, client = staff_client()
    row = AuditLog.objects.first()
    assert client.get("/admin/moderation/auditlog/").status_code == 200
    assert client.get("/admin/moderation/auditlog/add/").status_code == 403
    detail = client.get(f"/admin/moderation/auditlog/{row.pk}/change/")
    assert detail.status_code == 200 and 'type="submit"' not in detail.content.decode().split('id="auditlog_form"')[-1]
    assert client.post(f"/admin/moderation/auditlog/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditLog.objects.filter(pk=row.pk).exists()


# --- what reporters see ------------------------------------------------------------------------


def test_my_reports_show_outcome_never_other_reporters(things):
    thing, author, reporters, case = _reported(things, 30)
    _staff, admin = staff_client()
    admin_action(admin, "hide_target", [case], reason="x")
    client = Client()
    client.force_login(reporters[0])
    page = client.get("/reports/mine/")
    html = page.content.decode()
    assert page.status_code == 200 and "已处理" in html and "内容已隐藏" not in html
    assert reporters[1].username not in html and reporters[2].username not in html
    mine = token_client(reporters[1]).get_json("/api/v1/reports/mine").json()
    assert mine["total"] == 1 and mine["results"][0]["outcome"] == "handled"
    assert "reporter" not in mine["results"][0]
    assert Client().get("/reports/mine/").status_code == 302  # sign in first


def test_report_page_form_without_javascript(things):
    things.add(40, make_user())
    user = make_user()
    client = Client()
    client.force_login(user)
    response = client.post("/reports/new/", {"target_type": "thing", "target_id": "40", "reason": "privacy", "next": "/reports/mine/"})
    assert response.status_code == 302 and response["Location"] == "/reports/mine/"
    assert Report.objects.filter(reporter=user, target_id=40, reason="privacy").exists()
    again = client.post("/reports/new/", {"target_type": "thing", "target_id": "40", "reason": "spam"}, follow=True)
    assert "已经举报过" in again.content.decode()


def test_report_rate_limited(things, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "report": (1 / 3600, 2)}
    author = make_user()
    for pk in (50, 51, 52):
        things.add(pk, author)
    client = token_client(make_user())
    assert report(client, 50).status_code == 201
    assert report(client, 51).status_code == 201
    response = report(client, 52)
    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) >= 1


# --- bans --------------------------------------------------------------------------------------


def test_banned_user_cannot_report_and_ban_expires_by_itself_with_the_clock(things):
    """A ban's end is computed with the controllable clock: a 7-day ban given "8 days ago" has
    expired today, one given now has not; the 403 says until when."""
    from treehole import clock

    staff = make_user(is_staff=True)
    author = make_user()
    things.add(60, author)
    user = make_user()
    with clock.frozen(timezone.now() - timedelta(days=8)):
        services.user_ban(user=user, moderator=staff, days=7, reason="旧账")
    user.refresh_from_db()
    assert user.is_banned and not user.ban_active  # expired by itself, no job needed
    assert report(token_client(user), 60).status_code == 201

    with clock.frozen(datetime(2030, 1, 1, tzinfo=dt_timezone.utc)):
        services.user_ban(user=author, moderator=staff, days=3)
    author.refresh_from_db()
    assert author.banned_until == datetime(2030, 1, 4, tzinfo=dt_timezone.utc)
    things.add(61, user)
    error = assert_error(report(token_client(author), 61), 403, "banned")
    assert "2030-01-04" in error["message"]


def test_staff_cannot_be_banned_and_unban_is_audited():
    staff = make_user(is_staff=True)
    other_staff = make_user(is_staff=True)
    user = make_user()
    from treehole.errors import Forbidden

    with pytest.raises(Forbidden):
        services.user_ban(user=other_staff, moderator=staff, days=1)
    with pytest.raises(Forbidden):
        services.user_ban(user=staff, moderator=user, days=1)  # not a moderator
    services.user_ban(user=user, moderator=staff, days=None)
    services.user_unban(user=user, moderator=staff, reason="申诉成功")
    user.refresh_from_db()
    assert not user.ban_active
    assert list(AuditLog.objects.order_by("id").values_list("action", flat=True)) == ["ban", "unban"]
