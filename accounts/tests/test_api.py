"""Every accounts endpoint of the contract, through the real HTTP stack, MariaDB and Redis."""

import re
import time

import jwt
import pytest
from django.core import mail

from accounts.models import User
from accounts.tokens import issue_pair
from treehole.redis import get_redis, key
from treehole.testing import DEFAULT_PASSWORD, ApiClient, assert_error, make_user, token_client

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-Secret-42x"


def send_code(client, email, purpose="register"):
    response = client.post_json("/api/v1/auth/email-code", {"email": email, "purpose": purpose})
    return response


def last_code() -> str:
    assert mail.outbox, "no e-mail was sent"
    match = re.search(r"\b(\d{6})\b", mail.outbox[-1].subject + mail.outbox[-1].body)
    assert match
    return match.group(1)


def register(client, email="li@example.com", username="小李", password=DEFAULT_PASSWORD):
    assert send_code(client, email).status_code == 202
    return client.post_json(
        "/api/v1/auth/register", {"email": email, "code": last_code(), "username": username, "password": password}
    )


# --- e-mail codes -------------------------------------------------------------------------------


def test_email_code_is_six_digits_and_mailed(api_client):
    response = send_code(api_client, "Li@Example.com")
    assert response.status_code == 202
    assert response.json() == {"detail": "sent"}
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["li@example.com"]
    assert re.fullmatch(r"\d{6}", last_code())
    # Only a digest is kept in Redis, never the code itself.
    stored = get_redis().hgetall(key("email_code", "register", "li@example.com"))
    assert stored and last_code() not in str(stored)


def test_email_code_once_a_minute_per_address(api_client):
    assert send_code(api_client, "a@example.com").status_code == 202
    again = send_code(api_client, "a@example.com")
    error = assert_error(again, 429, "rate_limited")
    assert 1 <= int(again["Retry-After"]) <= 60
    assert "秒" in error["message"]
    assert len(mail.outbox) == 1
    assert send_code(api_client, "b@example.com").status_code == 202


def test_email_code_for_a_taken_email_is_a_conflict(api_client):
    make_user("taken", email="taken@example.com")
    assert_error(send_code(api_client, "taken@example.com"), 409, "conflict", "email")
    assert mail.outbox == []


def test_reset_code_answers_the_same_for_unknown_addresses(api_client):
    make_user("known", email="known@example.com")
    unknown = send_code(api_client, "nobody@example.com", "reset_password")
    known = send_code(api_client, "known@example.com", "reset_password")
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()
    assert [m.to for m in mail.outbox] == [["known@example.com"]]


@pytest.mark.parametrize(
    "body,field",
    [
        ({"email": "not-an-email", "purpose": "register"}, "email"),
        ({"email": "a@example.com", "purpose": "spam"}, "purpose"),
        ({"purpose": "register"}, "email"),
        ({"email": "x" * 300 + "@example.com", "purpose": "register"}, "email"),
    ],
)
def test_email_code_bad_input(api_client, body, field):
    assert_error(api_client.post_json("/api/v1/auth/email-code", body), 400, "invalid", field)
    assert mail.outbox == []


# --- register -------------------------------------------------------------------------------------


def test_register_login_me_change_password_revokes_old_token(api_client):
    response = register(api_client)
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"user", "access", "refresh"}
    user = body["user"]
    assert user["username"] == "小李" and user["email"] == "li@example.com"
    assert isinstance(user["id"], str) and user["id"].isdigit()
    assert set(user) == {"id", "username", "email", "avatar_url", "gender", "age", "bio", "date_joined", "is_staff"}
    assert User.objects.get(email="li@example.com").password.startswith("argon2")

    login = api_client.post_json("/api/v1/auth/login", {"login": "li@example.com", "password": DEFAULT_PASSWORD})
    assert login.status_code == 200
    old_access = login.json()["access"]
    me = ApiClient(token=old_access).get_json("/api/v1/me")
    assert me.status_code == 200 and me.json()["username"] == "小李"

    changed = ApiClient(token=old_access).post_json(
        "/api/v1/me/password", {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert changed.status_code == 200
    assert set(changed.json()) == {"access", "refresh"}
    assert_error(ApiClient(token=old_access).get_json("/api/v1/me"), 401, "token_expired")
    assert ApiClient(token=changed.json()["access"]).get_json("/api/v1/me").status_code == 200
    assert_error(
        api_client.post_json("/api/v1/auth/login", {"login": "小李", "password": DEFAULT_PASSWORD}), 401, "invalid_credentials"
    )
    assert api_client.post_json("/api/v1/auth/login", {"login": "小李", "password": NEW_PASSWORD}).status_code == 200


def test_register_with_wrong_code_then_the_right_one(api_client):
    send_code(api_client, "w@example.com")
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    body = {"email": "w@example.com", "code": wrong, "username": "wu", "password": DEFAULT_PASSWORD}
    assert_error(api_client.post_json("/api/v1/auth/register", body), 400, "invalid", "code")
    body["code"] = code
    assert api_client.post_json("/api/v1/auth/register", body).status_code == 201


def test_five_wrong_tries_kill_the_code(api_client):
    send_code(api_client, "k@example.com")
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    body = {"email": "k@example.com", "code": wrong, "username": "kk", "password": DEFAULT_PASSWORD}
    for _ in range(5):
        assert_error(api_client.post_json("/api/v1/auth/register", body), 400, "invalid", "code")
    body["code"] = code
    assert_error(api_client.post_json("/api/v1/auth/register", body), 400, "invalid", "code")
    assert not User.objects.filter(email="k@example.com").exists()


def test_a_used_code_cannot_register_twice(api_client):
    send_code(api_client, "u@example.com")
    code = last_code()
    body = {"email": "u@example.com", "code": code, "username": "uu", "password": DEFAULT_PASSWORD}
    assert api_client.post_json("/api/v1/auth/register", body).status_code == 201
    body["username"] = "uu2"
    assert_error(api_client.post_json("/api/v1/auth/register", body), 409, "conflict", "email")


def test_an_expired_code_is_refused(api_client, settings):
    settings.EMAIL_CODE_TTL_SECONDS = 1
    send_code(api_client, "e@example.com")
    code = last_code()
    time.sleep(1.3)
    body = {"email": "e@example.com", "code": code, "username": "ee", "password": DEFAULT_PASSWORD}
    error = assert_error(api_client.post_json("/api/v1/auth/register", body), 400, "invalid", "code")
    assert "过期" in error["fields"]["code"][0]


def test_a_username_typo_does_not_burn_the_code(api_client):
    make_user("taken")
    send_code(api_client, "t@example.com")
    code = last_code()
    body = {"email": "t@example.com", "code": code, "username": "taken", "password": DEFAULT_PASSWORD}
    assert_error(api_client.post_json("/api/v1/auth/register", body), 409, "conflict", "username")
    body["username"] = "nottaken"
    assert api_client.post_json("/api/v1/auth/register", body).status_code == 201


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"username": "x"}, "username"),
        ({"username": "y" * 31}, "username"),
        ({"username": "bad name!"}, "username"),
        ({"password": "123"}, "password"),
        ({"password": "password"}, "password"),
        ({"code": "12ab"}, "code"),
        ({"email": "nope"}, "email"),
    ],
)
def test_register_validation(api_client, changes, field):
    body = {"email": "v@example.com", "code": "123456", "username": "valid", "password": DEFAULT_PASSWORD, **changes}
    assert_error(api_client.post_json("/api/v1/auth/register", body), 400, "invalid", field)
    assert not User.objects.exists()


def test_missing_fields_and_bad_json_and_wrong_types(api_client):
    error = assert_error(api_client.post_json("/api/v1/auth/register", {"email": "a@example.com"}), 400, "invalid")
    assert {"code", "username", "password"} <= set(error["fields"])
    assert_error(api_client.post_json("/api/v1/auth/register", "{not json"), 400, "invalid")
    assert_error(api_client.post_json("/api/v1/auth/login", {"login": ["a"], "password": 5}), 400, "invalid", "login")


# --- login, captcha, lock -----------------------------------------------------------------------


def login(client, login_name, password, ip="10.0.0.1", **extra):
    return client.post_json("/api/v1/auth/login", {"login": login_name, "password": password, **extra}, REMOTE_ADDR=ip)


def test_login_by_email_or_username_case_insensitive(api_client):
    make_user("Alice", email="alice@example.com")
    for name in ("alice@example.com", "ALICE@example.com", "Alice", "alice"):
        response = login(api_client, name, DEFAULT_PASSWORD)
        assert response.status_code == 200, name
        assert response.json()["user"]["username"] == "Alice"


def test_login_unknown_account_is_invalid_credentials(api_client):
    assert_error(login(api_client, "ghost", "whatever-1234"), 401, "invalid_credentials")


def test_captcha_required_after_three_failures(api_client):
    from captcha.models import CaptchaStore

    make_user("bob")
    for _ in range(3):
        assert_error(login(api_client, "bob", "wrong-password"), 401, "invalid_credentials")
    # Even the right password now needs the captcha.
    assert_error(login(api_client, "bob", DEFAULT_PASSWORD), 400, "captcha_required")
    captcha = api_client.get_json("/api/v1/auth/captcha").json()
    assert set(captcha) == {"key", "image_url"}
    image = api_client.get(captcha["image_url"].replace("http://testserver", ""))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    answer = CaptchaStore.objects.get(hashkey=captcha["key"]).response
    assert_error(login(api_client, "bob", DEFAULT_PASSWORD, captcha_key=captcha["key"], captcha_value="zzzz"), 400, "captcha_required")
    captcha = api_client.get_json("/api/v1/auth/captcha").json()
    answer = CaptchaStore.objects.get(hashkey=captcha["key"]).response
    ok = login(api_client, "bob", DEFAULT_PASSWORD, captcha_key=captcha["key"], captcha_value=answer.upper())
    assert ok.status_code == 200
    # Success clears the failures: no captcha next time.
    assert login(api_client, "bob", DEFAULT_PASSWORD).status_code == 200
    # The captcha is single use.
    assert not CaptchaStore.objects.filter(hashkey=captcha["key"]).exists()


def test_lock_after_five_failures_per_account_and_ip(api_client):
    from captcha.models import CaptchaStore

    make_user("carol", email="carol@example.com")
    for attempt in range(1, 6):
        extra = {}
        if attempt > 3:
            captcha = api_client.get_json("/api/v1/auth/captcha").json()
            extra = {"captcha_key": captcha["key"], "captcha_value": CaptchaStore.objects.get(hashkey=captcha["key"]).response}
        response = login(api_client, "carol" if attempt % 2 else "carol@example.com", "wrong-password", **extra)
        if attempt < 5:
            assert_error(response, 401, "invalid_credentials")
    locked = assert_error(response, 423, "locked")
    assert int(response["Retry-After"]) == 15 * 60
    assert "分钟" in locked["message"]
    # Locked even with the right password, for this pair...
    again = login(api_client, "carol", DEFAULT_PASSWORD)
    assert_error(again, 423, "locked")
    assert 0 < int(again["Retry-After"]) <= 900
    # ...but not from another IP.
    assert login(api_client, "carol", DEFAULT_PASSWORD, ip="10.0.0.2").status_code == 200


def test_missing_login_fields(api_client):
    assert_error(api_client.post_json("/api/v1/auth/login", {"login": "", "password": ""}), 400, "invalid", "login", "password")


# --- tokens -------------------------------------------------------------------------------------


def test_me_requires_a_valid_token(api_client):
    user = make_user("dave")
    assert_error(api_client.get_json("/api/v1/me"), 401, "unauthenticated")
    assert_error(ApiClient(token="garbage").get_json("/api/v1/me"), 401, "unauthenticated")
    assert_error(api_client.get_json("/api/v1/me", HTTP_AUTHORIZATION="Basic abc"), 401, "unauthenticated")
    refresh = issue_pair(user)["refresh"]
    assert_error(ApiClient(token=refresh).get_json("/api/v1/me"), 401, "unauthenticated")  # wrong type


def test_expired_access_token(api_client, settings):
    from datetime import timedelta

    user = make_user("erin")
    settings.ACCESS_TOKEN_LIFETIME = timedelta(seconds=-1)
    token = issue_pair(user)["access"]
    assert_error(ApiClient(token=token).get_json("/api/v1/me"), 401, "token_expired")


def test_token_claims(settings):
    user = make_user("fay")
    pair = issue_pair(user)
    claims = jwt.decode(pair["access"], settings.JWT_SIGNING_KEY, algorithms=["HS256"])
    assert claims["sub"] == str(user.pk) and claims["type"] == "access" and claims["ver"] == 0
    assert claims["exp"] - claims["iat"] == 2 * 3600
    refresh = jwt.decode(pair["refresh"], settings.JWT_SIGNING_KEY, algorithms=["HS256"])
    assert refresh["type"] == "refresh" and refresh["exp"] - refresh["iat"] == 14 * 24 * 3600
    assert claims["jti"] != refresh["jti"]


def test_refresh_rotates_and_a_replay_revokes_everything(api_client):
    user = make_user("gus")
    pair = issue_pair(user)
    rotated = api_client.post_json("/api/v1/auth/refresh", {"refresh": pair["refresh"]})
    assert rotated.status_code == 200
    new_pair = rotated.json()
    assert set(new_pair) == {"access", "refresh"} and new_pair["refresh"] != pair["refresh"]
    assert ApiClient(token=new_pair["access"]).get_json("/api/v1/me").status_code == 200
    # The old refresh token is spent; replaying it means it leaked: everything is revoked.
    assert_error(api_client.post_json("/api/v1/auth/refresh", {"refresh": pair["refresh"]}), 401, "token_expired")
    assert_error(ApiClient(token=new_pair["access"]).get_json("/api/v1/me"), 401, "token_expired")
    assert_error(api_client.post_json("/api/v1/auth/refresh", {"refresh": new_pair["refresh"]}), 401, "token_expired")


def test_refresh_rejects_access_tokens_and_garbage(api_client):
    user = make_user("hal")
    assert_error(api_client.post_json("/api/v1/auth/refresh", {"refresh": issue_pair(user)["access"]}), 401, "unauthenticated")
    assert_error(api_client.post_json("/api/v1/auth/refresh", {"refresh": "x.y.z"}), 401, "unauthenticated")
    assert_error(api_client.post_json("/api/v1/auth/refresh", {}), 400, "invalid", "refresh")


def test_logout_revokes_every_token(api_client):
    user = make_user("ivy")
    first, second = issue_pair(user), issue_pair(user)
    response = ApiClient(token=first["access"]).post_json("/api/v1/auth/logout")
    assert response.status_code == 204 and response.content == b""
    assert_error(ApiClient(token=second["access"]).get_json("/api/v1/me"), 401, "token_expired")
    assert_error(api_client.post_json("/api/v1/auth/refresh", {"refresh": second["refresh"]}), 401, "token_expired")
    assert_error(api_client.post_json("/api/v1/auth/logout"), 401, "unauthenticated")


def test_ban_revokes_tokens():
    from accounts.services import user_ban

    user = make_user("jon")
    client = token_client(user)
    user_ban(user=user, until=None)
    assert_error(client.get_json("/api/v1/me"), 401, "token_expired")


# --- password reset -------------------------------------------------------------------------------


def test_password_reset_flow(api_client):
    user = make_user("kim", email="kim@example.com")
    old = token_client(user)
    send_code(api_client, "kim@example.com", "reset_password")
    body = {"email": "kim@example.com", "code": last_code(), "new_password": NEW_PASSWORD}
    weak = dict(body, new_password="short")
    assert_error(api_client.post_json("/api/v1/auth/password-reset", weak), 400, "invalid", "new_password")
    response = api_client.post_json("/api/v1/auth/password-reset", body)
    assert response.status_code == 200 and response.json() == {"detail": "ok"}
    assert_error(old.get_json("/api/v1/me"), 401, "token_expired")
    assert login(api_client, "kim", NEW_PASSWORD).status_code == 200
    # The code is spent.
    assert_error(api_client.post_json("/api/v1/auth/password-reset", body), 400, "invalid", "code")


def test_password_reset_for_unknown_email_fails_without_saying_why(api_client):
    body = {"email": "nobody@example.com", "code": "123456", "new_password": NEW_PASSWORD}
    error = assert_error(api_client.post_json("/api/v1/auth/password-reset", body), 400, "invalid", "code")
    assert "nobody" not in str(error)


def test_change_password_with_wrong_old_password(api_client):
    user = make_user("lee")
    client = token_client(user)
    body = {"old_password": "not-it", "new_password": NEW_PASSWORD}
    assert_error(client.post_json("/api/v1/me/password", body), 400, "invalid", "old_password")
    assert client.get_json("/api/v1/me").status_code == 200  # nothing was revoked


# --- profile ------------------------------------------------------------------------------------


def test_patch_me_changes_only_given_fields(api_client):
    user = make_user("mia", bio="旧简介")
    client = token_client(user)
    response = client.patch_json("/api/v1/me", {"gender": "female", "age": 20})
    assert response.status_code == 200
    body = response.json()
    assert body["gender"] == "female" and body["age"] == 20 and body["bio"] == "旧简介"
    assert client.patch_json("/api/v1/me", {"bio": "写点什么 🌳", "username": "米娅"}).json()["username"] == "米娅"
    user.refresh_from_db()
    assert user.bio == "写点什么 🌳" and user.username == "米娅"  # utf8mb4 round trip


@pytest.mark.parametrize(
    "body,field,status,code",
    [
        ({"bio": "长" * 201}, "bio", 400, "invalid"),
        ({"age": 0}, "age", 400, "invalid"),
        ({"age": 151}, "age", 400, "invalid"),
        ({"gender": "robot"}, "gender", 400, "invalid"),
        ({"username": "z"}, "username", 400, "invalid"),
        ({"username": None}, "username", 400, "invalid"),
        ({"avatar_image_id": "not-a-number"}, "avatar_image_id", 400, "invalid"),
        ({"avatar_image_id": "12345"}, "avatar_image_id", 400, "invalid"),
    ],
)
def test_patch_me_validation_changes_nothing(body, field, status, code):
    user = make_user("ned", bio="keep")
    response = token_client(user).patch_json("/api/v1/me", {**body, "bio": body.get("bio", "changed?")})
    assert_error(response, status, code, field)
    user.refresh_from_db()
    assert user.bio == "keep" and user.username == "ned" and user.age is None


def test_patch_me_username_conflict():
    make_user("owen")
    user = make_user("pat")
    assert_error(token_client(user).patch_json("/api/v1/me", {"username": "OWEN"}), 409, "conflict", "username")


def test_avatar_must_be_the_callers_own_avatar_image():
    from uploads.services import image_create

    from treehole.testing.files import jpeg_with_gps

    owner, other = make_user("quin"), make_user("rae")
    image = image_create(owner=owner, data=jpeg_with_gps(), purpose="avatar")
    assert_error(token_client(other).patch_json("/api/v1/me", {"avatar_image_id": str(image.pk)}), 400, "invalid", "avatar_image_id")
    response = token_client(owner).patch_json("/api/v1/me", {"avatar_image_id": str(image.pk)})
    assert response.status_code == 200
    assert response.json()["avatar_url"] == image.url
    assert token_client(owner).patch_json("/api/v1/me", {"avatar_image_id": None}).json()["avatar_url"] is None


def test_session_api_calls_need_the_csrf_header():
    from django.test import Client

    user = make_user("sam")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/api/v1/me").status_code == 200
    refused = client.patch("/api/v1/me", '{"bio": "x"}', content_type="application/json")
    assert_error(refused, 403, "forbidden")
    client.get("/accounts/me/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    allowed = client.patch("/api/v1/me", '{"bio": "x"}', content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert allowed.status_code == 200 and allowed.json()["bio"] == "x"


def test_ensure_can_write_says_until_when_and_expires_by_itself():
    from datetime import timedelta

    from django.utils import timezone

    from accounts.services import ensure_can_write, user_ban
    from treehole.errors import Banned

    user = make_user("xan")
    ensure_can_write(user)  # not banned: passes
    user_ban(user=user, until=timezone.now() + timedelta(days=3))
    with pytest.raises(Banned) as raised:
        ensure_can_write(user)
    assert timezone.localtime(user.banned_until).strftime("%Y-%m-%d") in raised.value.message
    user_ban(user=user, until=None)
    with pytest.raises(Banned) as raised:
        ensure_can_write(user)
    assert "永久" in raised.value.message
    user_ban(user=user, until=timezone.now() - timedelta(seconds=1))
    ensure_can_write(user)  # expired by itself
