"""The account pages, through the real HTTP stack with CSRF enforced."""

import io
import re

import pytest
from django.core import mail
from django.test import Client
from PIL import Image

from accounts.models import User
from treehole.testing import DEFAULT_PASSWORD, make_user, token_client

from treehole.testing.files import jpeg_with_gps

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-Secret-42x"


class PageClient(Client):
    """A browser-like client: CSRF enforced, the token taken from the page like a form would."""

    def __init__(self, **kwargs):
        super().__init__(enforce_csrf_checks=True, **kwargs)

    def submit(self, path, data=None, **extra):
        page = self.get(path)
        assert page.status_code == 200, (path, page.status_code)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1).decode()
        return self.post(path, {**(data or {}), "csrfmiddlewaretoken": token}, **extra)


def code_from_mail() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].subject).group(1)


def test_home_and_base_layout():
    response = Client().get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "心灵树洞" in html and 'href="/accounts/login/"' in html and 'href="/accounts/register/"' in html
    assert '<meta name="viewport"' in html


def test_english_translation_is_shipped():
    response = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert "Log in" in html and "Forgot your password?" in html


def test_register_with_email_code_step():
    client = PageClient()
    response = client.submit("/accounts/register/", {"email": "new@example.com"})
    assert response.status_code == 302 and response["Location"] == "/accounts/register/verify/"
    assert mail.outbox[-1].to == ["new@example.com"]
    # A wrong code shows an error next to the field and creates nothing.
    wrong = "000000" if code_from_mail() != "000000" else "111111"
    response = client.submit("/accounts/register/verify/", {"code": wrong, "username": "新人", "password": DEFAULT_PASSWORD})
    assert response.status_code == 200 and "验证码不正确" in response.content.decode()
    assert not User.objects.filter(email="new@example.com").exists()
    response = client.submit(
        "/accounts/register/verify/", {"code": code_from_mail(), "username": "新人", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    home = client.get("/")
    assert "新人" in home.content.decode()  # signed in


def test_register_step_two_without_step_one_goes_back():
    response = Client().get("/accounts/register/verify/")
    assert response.status_code == 302 and response["Location"] == "/accounts/register/"


def test_register_with_a_taken_email_says_so():
    make_user("old", email="old@example.com")
    response = PageClient().submit("/accounts/register/", {"email": "old@example.com"})
    assert response.status_code == 200 and "这个邮箱已注册" in response.content.decode()
    assert mail.outbox == []


def test_post_without_csrf_token_is_refused():
    make_user("csrf")
    response = PageClient().post("/accounts/login/", {"login": "csrf", "password": DEFAULT_PASSWORD})
    assert response.status_code == 403


def test_login_failures_then_captcha_then_logout():
    from captcha.models import CaptchaStore

    make_user("pia")
    client = PageClient()
    for _ in range(3):
        response = client.submit("/accounts/login/", {"login": "pia", "password": "wrong-one"})
        assert "账号或密码错误" in response.content.decode()
    # After the third failure the page shows a captcha image.
    html = response.content.decode()
    assert 'name="captcha_key"' in html and "/captcha/image/" in html
    key = re.search(r'name="captcha_key" value="([^"]+)"', html).group(1)
    answer = CaptchaStore.objects.get(hashkey=key).response
    response = client.submit(
        "/accounts/login/", {"login": "pia", "password": DEFAULT_PASSWORD, "captcha_key": key, "captcha_value": answer}
    )
    assert response.status_code == 302
    assert "pia" in client.get("/").content.decode()
    page = client.get("/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1).decode()
    assert client.post("/accounts/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert 'href="/accounts/login/"' in client.get("/").content.decode()


def test_login_redirects_to_a_safe_next_only():
    make_user("nia")
    client = PageClient()
    ok = client.submit("/accounts/login/?next=/accounts/me/", {"login": "nia", "password": DEFAULT_PASSWORD, "next": "/accounts/me/"})
    assert ok["Location"] == "/accounts/me/"
    client = PageClient()
    evil = client.submit("/accounts/login/", {"login": "nia", "password": DEFAULT_PASSWORD, "next": "https://evil.example/"})
    assert evil["Location"] == "/"


def test_profile_pages_need_login():
    for path in ("/accounts/me/", "/accounts/me/edit/", "/accounts/me/password/"):
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_password_reset_pages():
    make_user("rex", email="rex@example.com")
    client = PageClient()
    assert client.submit("/accounts/password-reset/", {"email": "rex@example.com"}).status_code == 302
    response = client.submit("/accounts/password-reset/confirm/", {"code": code_from_mail(), "new_password": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert PageClient().submit("/accounts/login/", {"login": "rex", "password": NEW_PASSWORD}).status_code == 302


def test_edit_profile_with_avatar_strips_exif_and_resizes():
    user = make_user("sue")
    client = PageClient()
    client.force_login(user)
    upload = io.BytesIO(jpeg_with_gps(size=(800, 600)))
    upload.name = "me.jpg"
    response = client.submit(
        "/accounts/me/edit/", {"username": "sue", "gender": "female", "age": "22", "bio": "你好", "avatar": upload}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.gender == "female" and user.age == 22 and user.bio == "你好"
    with user.avatar.file.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        assert image.size == (256, 256)
        assert not image.getexif()
        assert "exif" not in image.info
    assert "sue" not in user.avatar.file.name  # the name says nothing about the uploader
    profile = client.get("/accounts/me/").content.decode()
    assert user.avatar.url in profile and "你好" in profile


def test_edit_profile_with_a_bad_avatar_changes_nothing():
    user = make_user("tom", bio="before")
    client = PageClient()
    client.force_login(user)
    fake = io.BytesIO(b"this is not an image at all")
    fake.name = "evil.png"
    response = client.submit("/accounts/me/edit/", {"username": "tom2", "gender": "male", "bio": "after", "avatar": fake})
    assert response.status_code == 200
    assert "只支持" in response.content.decode()
    user.refresh_from_db()
    assert user.username == "tom" and user.bio == "before" and user.avatar_id is None


def test_change_password_page_keeps_this_session_and_ends_others():
    user = make_user("uma")
    client, other = PageClient(), Client()
    client.force_login(user)
    other.force_login(user)
    assert other.get("/accounts/me/").status_code == 200
    response = client.submit("/accounts/me/password/", {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/accounts/me/").status_code == 200
    assert other.get("/accounts/me/").status_code == 302  # the other session is over


def test_wrong_old_password_on_the_page():
    user = make_user("val")
    client = PageClient()
    client.force_login(user)
    response = client.submit("/accounts/me/password/", {"old_password": "nope", "new_password": NEW_PASSWORD})
    assert response.status_code == 200 and "原密码不正确" in response.content.decode()


def test_logout_everywhere_ends_sessions_and_tokens():
    from treehole.testing import assert_error, token_client

    user = make_user("wes")
    api = token_client(user)
    client, other = PageClient(), Client()
    client.force_login(user)
    other.force_login(user)
    page = client.get("/accounts/me/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1).decode()
    assert client.post("/accounts/logout/everywhere/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert other.get("/accounts/me/").status_code == 302
    assert_error(api.get_json("/api/v1/me"), 401, "token_expired")


def test_admin_user_search_and_ban_action_revokes_tokens():
    from treehole.testing import assert_error, token_client

    staff = make_user("boss", is_staff=True, is_superuser=True)
    target = make_user("troll", email="troll@example.com")
    api = token_client(target)
    admin = Client()
    admin.force_login(staff)
    listing = admin.get("/admin/accounts/user/", {"q": "troll"})
    assert listing.status_code == 200 and "troll@example.com" in listing.content.decode()
    response = admin.post(
        "/admin/accounts/user/", {"action": "ban_7", "_selected_action": [str(target.pk)]}
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.ban_active and target.banned_until is not None
    assert_error(api.get_json("/api/v1/me"), 401, "token_expired")
    admin.post("/admin/accounts/user/", {"action": "unban", "_selected_action": [str(target.pk)]})
    target.refresh_from_db()
    assert not target.ban_active


def test_admin_is_served():
    assert Client().get("/admin/login/").status_code == 200


def test_signing_in_stamps_last_login_with_the_projects_clock():
    from datetime import datetime, timezone

    from treehole import clock

    user = make_user("lastlogin")
    stamp = datetime(2030, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    with clock.frozen(stamp):
        response = PageClient().submit("/accounts/login/", {"login": "lastlogin", "password": DEFAULT_PASSWORD})
        assert response.status_code == 302
        assert token_client(user).get_json("/api/v1/me").status_code == 200  # tokens follow the clock too
    user.refresh_from_db()
    assert user.last_login == stamp
