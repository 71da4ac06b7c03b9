"""Issue 14: every door that checks a password or lets someone in follows one policy.

- #2  /admin/login/ has the login's failure counting, captcha and lock, and staff sign-ins are audited;
- #4  a password reset checks the code first and answers known and unknown addresses alike;
- #7  pre-login buckets count against the IP (and the target), whoever is signed in;
- #10 a banned member cannot rename themselves or change their bio or avatar;
- #13 a captcha answers once, right or wrong, and expired ones are swept.
Through the real HTTP stack, MariaDB and Redis."""

import re
from datetime import timedelta

import pytest
from captcha.models import CaptchaStore
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import LoginLock, UsedRefreshToken, User
from accounts.services import user_ban
from moderation.models import AuditLog
from treehole.testing import DEFAULT_PASSWORD, ApiClient, assert_error, make_user, token_client

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-Secret-42x"
IP = "10.9.0.1"


def api_login(client, name, password, ip=IP, **extra):
    return client.post_json("/api/v1/auth/login", {"login": name, "password": password, **extra}, REMOTE_ADDR=ip)


def csrf_token(page) -> str:
    return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1).decode()


def admin_login(client, username, password, ip=IP, **extra):
    page = client.get("/admin/login/", REMOTE_ADDR=ip)
    assert page.status_code == 200
    data = {"username": username, "password": password, "next": "/admin/", "csrfmiddlewaretoken": csrf_token(page), **extra}
    return client.post("/admin/login/", data, REMOTE_ADDR=ip)


def fresh_captcha(client) -> tuple[str, str]:
    key = client.get_json("/api/v1/auth/captcha").json()["key"]
    return key, CaptchaStore.objects.get(hashkey=key).response


# --- #2 the admin's login ----------------------------------------------------------------------


def test_admin_login_asks_the_captcha_and_locks_like_the_api():
    make_user("chief", is_staff=True, is_superuser=True)
    browser = Client(enforce_csrf_checks=True)
    for _ in range(3):
        response = admin_login(browser, "chief", "wrong-password")
        assert response.status_code == 200 and "_auth_user_id" not in browser.session
    # The third failure brings the captcha: the right password alone no longer gets in...
    response = admin_login(browser, "chief", DEFAULT_PASSWORD)
    assert response.status_code == 200 and "_auth_user_id" not in browser.session
    assert "请输入正确的图片验证码" in response.content.decode()
    key = re.search(r'name="captcha_key" value="([^"]+)"', response.content.decode()).group(1)
    assert CaptchaStore.objects.filter(hashkey=key).exists()
    # ...and the failures are the API's too (one counter per account and IP, whatever the door).
    assert_error(api_login(ApiClient(), "chief", DEFAULT_PASSWORD), 400, "captcha_required")
    # Two more wrong passwords (with captchas answered) lock the pair, at every door.
    api = ApiClient()
    for _ in range(2):
        key, answer = fresh_captcha(api)
        response = admin_login(browser, "chief", "wrong-password", captcha_key=key, captcha_value=answer)
    assert "分钟" in response.content.decode()
    assert LoginLock.objects.filter(subject=f"u{User.objects.get(username='chief').pk}", ip=IP).exists()
    key, answer = fresh_captcha(api)
    response = admin_login(browser, "chief", DEFAULT_PASSWORD, captcha_key=key, captcha_value=answer)
    assert response.status_code == 200 and "_auth_user_id" not in browser.session
    assert_error(api_login(api, "chief", DEFAULT_PASSWORD), 423, "locked")


def test_admin_login_with_the_captcha_answered_gets_in_and_is_audited():
    staff = make_user("chief2", is_staff=True, is_superuser=True)
    browser = Client(enforce_csrf_checks=True)
    for _ in range(3):
        admin_login(browser, "chief2", "wrong-password")
    key, answer = fresh_captcha(ApiClient())
    response = admin_login(browser, "chief2", DEFAULT_PASSWORD, captcha_key=key, captcha_value=answer)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert browser.get("/admin/").status_code == 200
    entry = AuditLog.objects.get(action=AuditLog.Action.STAFF_LOGIN)
    assert entry.actor_id == staff.pk and entry.detail == {"door": "admin", "ip": IP}


def test_admin_login_is_behind_the_login_bucket(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (0.001, 2)}
    make_user("chief3", is_staff=True)
    browser = Client()
    for _ in range(2):
        assert browser.post("/admin/login/", {"username": "x", "password": "y"}, REMOTE_ADDR=IP).status_code == 200
    refused = browser.post("/admin/login/", {"username": "x", "password": "y"}, REMOTE_ADDR=IP)
    assert refused.status_code == 429


def test_every_staff_sign_in_is_audited_and_members_are_not():
    staff = make_user("mod1", is_staff=True)
    make_user("member1")
    assert api_login(ApiClient(), "mod1", DEFAULT_PASSWORD).status_code == 200
    assert api_login(ApiClient(), "member1", DEFAULT_PASSWORD).status_code == 200
    page = Client()
    form = page.get("/accounts/login/")
    assert form.status_code == 200
    assert page.post("/accounts/login/", {"login": "mod1", "password": DEFAULT_PASSWORD}, REMOTE_ADDR="10.9.0.2").status_code == 302
    doors = sorted(AuditLog.objects.filter(action=AuditLog.Action.STAFF_LOGIN).values_list("detail__door", flat=True))
    assert doors == ["api", "page"]
    assert set(AuditLog.objects.values_list("actor_id", flat=True)) == {staff.pk}


def test_a_member_cannot_use_the_admin_login():
    make_user("plain")
    response = admin_login(Client(enforce_csrf_checks=True), "plain", DEFAULT_PASSWORD)
    assert response.status_code == 200
    assert not AuditLog.objects.filter(action=AuditLog.Action.STAFF_LOGIN).exists()


def test_change_password_counts_failures_like_the_login():
    user = make_user("changer")
    client = token_client(user)
    body = {"old_password": "not-it", "new_password": NEW_PASSWORD}
    for _ in range(3):
        assert_error(client.post_json("/api/v1/me/password", body, REMOTE_ADDR=IP), 400, "invalid", "old_password")
    # A stolen session cannot go on guessing the old password without captchas...
    right = {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
    assert_error(client.post_json("/api/v1/me/password", right, REMOTE_ADDR=IP), 400, "captcha_required")
    # ...and the login of that account from that IP needs one now too (one counter).
    assert_error(api_login(ApiClient(), "changer", DEFAULT_PASSWORD), 400, "captcha_required")
    key, answer = fresh_captcha(client)
    ok = client.post_json("/api/v1/me/password", {**right, "captcha_key": key, "captcha_value": answer}, REMOTE_ADDR=IP)
    assert ok.status_code == 200


def test_change_password_page_shows_the_captcha_when_needed():
    user = make_user("changer2")
    browser = Client()
    browser.force_login(user)
    for _ in range(3):
        browser.post("/accounts/me/password/", {"old_password": "nope", "new_password": NEW_PASSWORD}, REMOTE_ADDR=IP)
    page = browser.get("/accounts/me/password/", REMOTE_ADDR=IP)
    key = re.search(r'name="captcha_key" value="([^"]+)"', page.content.decode()).group(1)
    answer = CaptchaStore.objects.get(hashkey=key).response
    done = browser.post(
        "/accounts/me/password/",
        {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD, "captcha_key": key, "captcha_value": answer},
        REMOTE_ADDR=IP,
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


# --- #4 password reset ---------------------------------------------------------------------------


def reset(client, email, code="123456", new_password=NEW_PASSWORD, ip=IP):
    body = {"email": email, "code": code, "new_password": new_password}
    return client.post_json("/api/v1/auth/password-reset", body, REMOTE_ADDR=ip)


def test_reset_checks_the_code_before_the_password():
    make_user("victim", email="victim@example.com")
    client = ApiClient()
    # A password "too similar to the e-mail" said the address was a member's: now the code comes first.
    known = reset(client, "victim@example.com", new_password="victim@example.com")
    unknown = reset(client, "stranger@example.com", new_password="stranger@example.com")
    assert known.status_code == unknown.status_code == 400
    assert known.json() == unknown.json()
    assert set(known.json()["error"]["fields"]) == {"code"}


def test_reset_answers_known_and_unknown_addresses_alike_after_a_code_was_asked_for():
    make_user("victim2", email="victim2@example.com")
    client = ApiClient()
    for email in ("victim2@example.com", "stranger2@example.com"):
        assert client.post_json("/api/v1/auth/email-code", {"email": email, "purpose": "reset_password"}).status_code == 202
    assert len(mail.outbox) == 1  # only the member is mailed
    sent = re.search(r"\b(\d{6})\b", mail.outbox[0].subject).group(1)
    wrong = "000000" if sent != "000000" else "111111"
    answers = {email: [reset(client, email, code=wrong).json() for _ in range(5)] for email in ("victim2@example.com", "stranger2@example.com")}
    assert answers["victim2@example.com"] == answers["stranger2@example.com"]
    # The fifth wrong try killed both codes alike.
    assert "失效" in answers["victim2@example.com"][-1]["error"]["message"]


def test_reset_with_the_right_code_still_judges_the_password():
    make_user("kim2", email="kim2@example.com")
    client = ApiClient()
    client.post_json("/api/v1/auth/email-code", {"email": "kim2@example.com", "purpose": "reset_password"})
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].subject).group(1)
    assert_error(reset(client, "kim2@example.com", code=code, new_password="kim2@example.com"), 400, "invalid", "new_password")
    assert reset(client, "kim2@example.com", code=code).status_code == 200  # the code survived the weak password


def test_reset_is_rate_limited_per_ip_and_per_address(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password_reset": (0.001, 3)}
    client = ApiClient()
    for _ in range(3):
        assert_error(reset(client, "a@example.com"), 400, "invalid", "code")
    assert_error(reset(client, "b@example.com"), 429, "rate_limited")  # the IP's bucket
    # Other IPs together cannot go past the address' own bucket either.
    for n in range(3):
        assert_error(reset(client, "c@example.com", ip=f"10.9.1.{n}"), 400, "invalid", "code")
    assert_error(reset(client, "c@example.com", ip="10.9.1.9"), 429, "rate_limited")


# --- #7 pre-login buckets --------------------------------------------------------------------------


def session_client(user) -> ApiClient:
    """A browser's session (cookie), not a token: the session used to buy its own buckets."""
    client = ApiClient()
    client.force_login(user)
    return client


def test_a_signed_in_session_shares_the_ips_login_bucket(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (0.001, 3)}
    member = session_client(make_user("insider"))
    for n in range(3):
        assert_error(api_login(ApiClient(), f"ghost{n}", "whatever-123"), 401, "invalid_credentials")
    # Signed in or not, the same IP has no login attempts left: at the API and on the page.
    assert_error(api_login(member, "ghost9", "whatever-123"), 429, "rate_limited")
    page = member.post("/accounts/login/", {"login": "ghost9", "password": "whatever-123"}, REMOTE_ADDR=IP)
    assert page.status_code == 429


def test_a_session_cannot_spend_the_ips_login_bucket_twice(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (0.001, 3)}
    member = session_client(make_user("insider1"))
    for n in range(3):
        assert api_login(member, f"ghost{n}", "whatever-123").status_code == 401
    assert_error(api_login(ApiClient(), "ghost9", "whatever-123"), 429, "rate_limited")


@pytest.mark.parametrize("action,path,body", [
    ("email_code", "/api/v1/auth/email-code", {"email": "x{n}@example.com", "purpose": "register"}),
    ("register", "/api/v1/auth/register", {"email": "x{n}@example.com", "code": "123456", "username": "xname{n}", "password": NEW_PASSWORD}),
    ("password_reset", "/api/v1/auth/password-reset", {"email": "x{n}@example.com", "code": "123456", "new_password": NEW_PASSWORD}),
])
def test_pre_login_actions_count_against_the_ip_whoever_is_signed_in(settings, action, path, body):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, action: (0.001, 2)}
    member = session_client(make_user("insider2"))
    fill = lambda n: {k: v.format(n=n) for k, v in body.items()}  # noqa: E731
    for n in range(2):
        assert member.post_json(path, fill(n), REMOTE_ADDR=IP).status_code != 429
    assert_error(ApiClient().post_json(path, fill(5), REMOTE_ADDR=IP), 429, "rate_limited")
    assert ApiClient().post_json(path, fill(6), REMOTE_ADDR="10.9.0.77").status_code != 429


def test_login_attempts_against_one_account_are_bounded_across_ips(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (0.001, 3)}
    make_user("target")
    for n in range(3):
        assert_error(api_login(ApiClient(), "target", "wrong-password", ip=f"10.8.0.{n}"), 401, "invalid_credentials")
    assert_error(api_login(ApiClient(), "target", "wrong-password", ip="10.8.0.50"), 429, "rate_limited")
    # Another account from a fresh IP is not affected.
    make_user("bystander")
    assert api_login(ApiClient(), "bystander", DEFAULT_PASSWORD, ip="10.8.0.51").status_code == 200


def test_refresh_and_change_password_have_buckets(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "refresh": (0.001, 2), "password_change": (0.001, 2)}
    client = ApiClient()
    for _ in range(2):
        assert_error(client.post_json("/api/v1/auth/refresh", {"refresh": "nope"}, REMOTE_ADDR=IP), 401, "unauthenticated")
    assert_error(client.post_json("/api/v1/auth/refresh", {"refresh": "nope"}, REMOTE_ADDR=IP), 429, "rate_limited")
    member = token_client(make_user("changer3"))
    body = {"old_password": "x-not-it", "new_password": NEW_PASSWORD}
    for _ in range(2):
        assert member.post_json("/api/v1/me/password", body, REMOTE_ADDR="10.9.3.3").status_code == 400
    assert_error(member.post_json("/api/v1/me/password", body, REMOTE_ADDR="10.9.3.3"), 429, "rate_limited")


# --- #10 banned members keep their profile as it is ---------------------------------------------------


def test_a_banned_member_cannot_rename_or_change_bio_or_avatar():
    user = make_user("troll2", bio="old bio")
    client = token_client(user)
    user_ban(user=user, until=timezone.now() + timedelta(days=3))
    client = token_client(User.objects.get(pk=user.pk))  # the ban revoked the old token
    for change in ({"username": "admin2"}, {"bio": "new bio"}, {"avatar_image_id": None}, {"gender": "male"}):
        assert_error(client.patch_json("/api/v1/me", change), 403, "banned")
    user.refresh_from_db()
    assert user.username == "troll2" and user.bio == "old bio"


def test_a_banned_member_cannot_rename_on_the_page():
    user = make_user("troll3", bio="old bio")
    user_ban(user=user, until=None)
    browser = Client()
    browser.force_login(User.objects.get(pk=user.pk))
    response = browser.post("/accounts/me/edit/", {"username": "troll3b", "gender": "unknown", "bio": "new"})
    assert response.status_code == 200 and "封禁" in response.content.decode()
    user.refresh_from_db()
    assert user.username == "troll3" and user.bio == "old bio"


# --- #13 captchas ----------------------------------------------------------------------------------


def test_a_wrong_captcha_answer_uses_the_captcha_up():
    make_user("guessed")
    client = ApiClient()
    for _ in range(3):
        api_login(client, "guessed", "wrong-password")
    key, answer = fresh_captcha(client)
    wrong = "zzzz" if answer != "zzzz" else "yyyy"
    assert_error(api_login(client, "guessed", DEFAULT_PASSWORD, captcha_key=key, captcha_value=wrong), 400, "captcha_required")
    # The same captcha cannot be tried again, not even with its right answer.
    assert_error(api_login(client, "guessed", DEFAULT_PASSWORD, captcha_key=key, captcha_value=answer), 400, "captcha_required")
    assert not CaptchaStore.objects.filter(hashkey=key).exists()


def test_the_periodic_sweep_drops_expired_captchas_tokens_and_locks():
    from accounts.tasks import sweep_auth_tables

    user = make_user("sweeper")
    past, future = timezone.now() - timedelta(minutes=1), timezone.now() + timedelta(hours=1)
    old_key = CaptchaStore.generate_key()
    CaptchaStore.objects.filter(hashkey=old_key).update(expiration=past)
    live_key = CaptchaStore.generate_key()
    UsedRefreshToken.objects.create(jti="old", user=user, expires_at=past)
    UsedRefreshToken.objects.create(jti="live", user=user, expires_at=future)
    LoginLock.objects.create(subject="u1", ip="1.1.1.1", locked_until=past)
    LoginLock.objects.create(subject="u1", ip="1.1.1.2", locked_until=future)
    result = sweep_auth_tables.call_local()
    assert result == {"captchas": 1, "refresh_tokens": 1, "login_locks": 1}
    assert list(CaptchaStore.objects.values_list("hashkey", flat=True)) == [live_key]
    assert list(UsedRefreshToken.objects.values_list("jti", flat=True)) == ["live"]
    assert list(LoginLock.objects.values_list("ip", flat=True)) == ["1.1.1.2"]


def test_the_sweep_is_a_periodic_job_every_five_minutes():
    from datetime import datetime

    from huey.contrib.djhuey import HUEY

    from accounts.tasks import sweep_auth_tables

    due = {type(task) for task in HUEY.read_periodic(datetime(2026, 1, 1, 12, 5))}
    assert sweep_auth_tables.task_class in due
    assert sweep_auth_tables.task_class not in {type(task) for task in HUEY.read_periodic(datetime(2026, 1, 1, 12, 7))}


def test_new_captchas_are_rate_limited_per_ip_signed_in_or_not(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "captcha": (0.001, 3)}
    member = token_client(make_user("collector"))
    for _ in range(3):
        assert member.get_json("/api/v1/auth/captcha", REMOTE_ADDR=IP).status_code == 200
    assert_error(ApiClient().get_json("/api/v1/auth/captcha", REMOTE_ADDR=IP), 429, "rate_limited")
    assert CaptchaStore.objects.count() == 3


# --- the admin's password forms --------------------------------------------------------------------


def test_staff_setting_a_members_password_revokes_their_tokens():
    staff = make_user("boss7", is_staff=True, is_superuser=True)
    member = make_user("hijacked")
    thief = token_client(member)
    admin_browser = Client()
    admin_browser.force_login(staff)
    response = admin_browser.post(
        f"/admin/accounts/user/{member.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    # Whoever held the old tokens is out (Django's form alone left every JWT working).
    assert_error(thief.get_json("/api/v1/me"), 401, "token_expired")


def test_the_admins_own_password_change_is_the_sites_password_door():
    staff = make_user("boss8", is_staff=True)
    browser = Client()
    browser.force_login(staff)
    response = browser.get("/admin/password_change/")
    assert response.status_code == 302 and response["Location"] == "/accounts/me/password/"
    assert browser.post("/admin/password_change/", {"old_password": "x", "new_password1": "y", "new_password2": "y"}).status_code in (301, 302, 405)
    staff.refresh_from_db()
    assert staff.check_password(DEFAULT_PASSWORD)
