"""Accounts while Redis is unreachable (accounts/verification.py): login keeps working behind the
captcha, locks are kept in the database (an outage or an empty Redis never lifts one), e-mail
codes answer 503 ``unavailable``."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from captcha.models import CaptchaStore
from django.core import mail

from accounts.models import LoginLock
from tests.outage.support import redis_unreachable
from treehole import clock
from treehole.redis import get_redis
from treehole.testing import DEFAULT_PASSWORD, assert_error, make_user

pytestmark = pytest.mark.django_db

IP = "10.0.0.1"


def login(client, name, password, ip=IP, **extra):
    return client.post_json("/api/v1/auth/login", {"login": name, "password": password, **extra}, REMOTE_ADDR=ip)


def solved_captcha(client) -> dict:
    captcha = client.get_json("/api/v1/auth/captcha").json()
    return {"captcha_key": captcha["key"], "captcha_value": CaptchaStore.objects.get(hashkey=captcha["key"]).response}


def fail_until_locked(client, name: str) -> None:
    for attempt in range(1, 6):
        extra = solved_captcha(client) if attempt > 3 else {}
        response = login(client, name, "wrong-password", **extra)
    assert_error(response, 423, "locked")


def test_while_redis_is_down_every_login_needs_the_captcha_and_then_works(api_client, redis_down):
    make_user("amy")
    assert_error(login(api_client, "amy", DEFAULT_PASSWORD), 400, "captcha_required", "captcha_value")
    ok = login(api_client, "amy", DEFAULT_PASSWORD, **solved_captcha(api_client))
    assert ok.status_code == 200 and set(ok.json()) == {"user", "access", "refresh"}
    # A wrong password behind a solved captcha is a plain failure: nobody is locked by an outage.
    for _ in range(6):
        assert_error(login(api_client, "amy", "wrong-password", **solved_captcha(api_client)), 401, "invalid_credentials")
    assert LoginLock.objects.count() == 0
    assert login(api_client, "amy", DEFAULT_PASSWORD, **solved_captcha(api_client)).status_code == 200


def test_a_lock_survives_an_outage_and_a_redis_that_comes_back_empty(api_client, settings):
    make_user("ben")
    fail_until_locked(api_client, "ben")
    with redis_unreachable(settings):
        assert_error(login(api_client, "ben", DEFAULT_PASSWORD, **solved_captcha(api_client)), 423, "locked")
    get_redis().flushdb()  # Redis restarted empty
    locked = login(api_client, "ben", DEFAULT_PASSWORD)
    assert_error(locked, 423, "locked")
    assert 0 < int(locked["Retry-After"]) <= 15 * 60
    # Another IP is not locked; the lock ends on time.
    assert login(api_client, "ben", DEFAULT_PASSWORD, ip="10.0.0.2").status_code == 200
    with clock.frozen(clock.now() + timedelta(minutes=15, seconds=1)):
        assert login(api_client, "ben", DEFAULT_PASSWORD).status_code == 200


def test_the_login_page_asks_for_the_captcha_while_redis_is_down(client, redis_down):
    make_user("cat")
    page = client.post("/accounts/login/", {"login": "cat", "password": DEFAULT_PASSWORD})
    assert page.status_code == 200
    html = page.content.decode()
    key = re.search(r'name="captcha_key" value="([^"]+)"', html).group(1)
    answer = CaptchaStore.objects.get(hashkey=key).response
    done = client.post("/accounts/login/", {"login": "cat", "password": DEFAULT_PASSWORD, "captcha_key": key, "captcha_value": answer})
    assert done.status_code == 302
    assert client.get("/accounts/me/").status_code == 200


def test_email_codes_answer_503_while_redis_is_down(api_client, settings):
    # A code sent while Redis is up...
    assert api_client.post_json("/api/v1/auth/email-code", {"email": "dee@example.com", "purpose": "register"}).status_code == 202
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].subject + mail.outbox[-1].body).group(1)
    with redis_unreachable(settings):
        assert_error(api_client.post_json("/api/v1/auth/email-code", {"email": "eve@example.com", "purpose": "register"}),
                     503, "unavailable")
        register = {"email": "dee@example.com", "code": code, "username": "dee", "password": DEFAULT_PASSWORD}
        assert_error(api_client.post_json("/api/v1/auth/register", register), 503, "unavailable")
        reset = {"email": "dee@example.com", "code": "123456", "new_password": "another-Secret-42x"}
        assert_error(api_client.post_json("/api/v1/auth/password-reset", reset), 503, "unavailable")
    # ...still works once Redis is back (the failed attempt did not consume it).
    assert api_client.post_json("/api/v1/auth/register", register).status_code == 201
