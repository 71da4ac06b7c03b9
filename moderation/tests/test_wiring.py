"""Moderation wired into accounts: usernames screened by the word lists, and the user admin's
bans only through moderation (record and audit row). Notes, comments and chat have their own
wiring tests (docs/moderation.md, "Wiring")."""

from __future__ import annotations

import pytest
from django.test import Client

from moderation import filters
from moderation.models import AuditLog, BanRecord, SensitiveWord
from treehole.testing import assert_error, make_user, token_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("action", ["block", "mask", "hold"])
def test_username_with_a_listed_word_is_refused_by_patch_me(action):
    SensitiveWord.objects.create(pattern="管理员", action=action)
    filters.matcher.invalidate()
    client = token_client(make_user())
    error = assert_error(client.patch_json("/api/v1/me", {"username": "我是管理员"}), 400, "invalid", "username")
    assert "管理员" in error["fields"]["username"][0]
    assert client.patch_json("/api/v1/me", {"username": "普通名字"}).status_code == 200


def test_register_refuses_a_listed_username(api_client, settings):
    from django.core import mail
    import re

    SensitiveWord.objects.create(pattern="官方", action="block")
    filters.matcher.invalidate()
    assert api_client.post_json("/api/v1/auth/email-code", {"email": "n@example.com", "purpose": "register"}).status_code == 202
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].subject + mail.outbox[-1].body).group(1)
    response = api_client.post_json(
        "/api/v1/auth/register", {"email": "n@example.com", "code": code, "username": "官方客服", "password": "correct-horse-battery-9"}
    )
    assert_error(response, 400, "invalid", "username")


def test_user_admin_ban_actions_keep_history_and_audit():
    staff = make_user(is_staff=True, is_superuser=True)
    target = make_user()
    admin = Client()
    admin.force_login(staff)
    assert admin.post("/admin/accounts/user/", {"action": "ban_3", "_selected_action": [str(target.pk)]}).status_code == 302
    target.refresh_from_db()
    assert target.ban_active
    assert list(BanRecord.objects.filter(user=target).values_list("days", "moderator")) == [(3, staff.pk)]
    admin.post("/admin/accounts/user/", {"action": "unban", "_selected_action": [str(target.pk)]})
    target.refresh_from_db()
    assert not target.ban_active
    assert list(AuditLog.objects.order_by("id").values_list("action", "actor", "target_user")) == [
        ("ban", staff.pk, target.pk), ("unban", staff.pk, target.pk)
    ]


def test_user_admin_change_form_cannot_ban_around_the_actions():
    """The ban fields are read-only on the change form: a ban always has its record and audit row."""
    staff = make_user(is_staff=True, is_superuser=True)
    target = make_user()
    admin = Client()
    admin.force_login(staff)
    page = admin.get(f"/admin/accounts/user/{target.pk}/change/")
    assert page.status_code == 200
    assert "is_banned" not in page.context["adminform"].form.fields
    assert "banned_until" not in page.context["adminform"].form.fields
    form = {
        "username": target.username, "email": target.email, "gender": target.gender, "age": "", "bio": "",
        "is_active": "on", "is_banned": "on", "banned_until_0": "2099-01-01", "banned_until_1": "00:00:00",
    }
    assert admin.post(f"/admin/accounts/user/{target.pk}/change/", form).status_code == 302
    target.refresh_from_db()
    assert (target.is_banned, target.banned_until, target.ban_active) == (False, None, False)
    assert BanRecord.objects.filter(user=target).count() == 0
    assert AuditLog.objects.filter(target_user=target).count() == 0
