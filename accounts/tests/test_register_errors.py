"""Register reports every wrong field at once (a wrong code *and* a weak password), and Django's
password validators answer in the page's language (Chinese first, English shipped)."""

from __future__ import annotations

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts.models import User
from accounts.tests.test_pages import PageClient, code_from_mail
from treehole.testing import DEFAULT_PASSWORD, assert_error, make_user

pytestmark = pytest.mark.django_db


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def _send(api_client, email: str) -> str:
    assert api_client.post_json("/api/v1/auth/email-code", {"email": email, "purpose": "register"}).status_code in (200, 202, 204)
    return code_from_mail()


def test_a_wrong_code_and_a_weak_password_are_both_reported(api_client):
    code = _send(api_client, "both@example.com")
    body = {"email": "both@example.com", "code": _wrong(code), "username": "both", "password": "12345678"}
    error = assert_error(api_client.post_json("/api/v1/auth/register", body), 400, "invalid", "code", "password")
    assert error["fields"]["code"] == ["验证码不正确。"]
    assert "这个密码太常见了。" in error["fields"]["password"] and "密码只包含数字。" in error["fields"]["password"]
    assert not User.objects.filter(email="both@example.com").exists()


def test_a_right_code_with_a_weak_password_stays_valid_for_the_corrected_form(api_client):
    code = _send(api_client, "fix@example.com")
    body = {"email": "fix@example.com", "code": code, "username": "fixer", "password": "short"}
    error = assert_error(api_client.post_json("/api/v1/auth/register", body), 400, "invalid", "password")
    assert set(error["fields"]) == {"password"}  # the code was right: nothing said about it
    body["password"] = DEFAULT_PASSWORD
    assert api_client.post_json("/api/v1/auth/register", body).status_code == 201


def test_a_taken_username_alone_is_still_a_conflict_and_with_a_wrong_code_both_are_said(api_client):
    make_user("taken2")
    code = _send(api_client, "t2@example.com")
    body = {"email": "t2@example.com", "code": code, "username": "taken2", "password": DEFAULT_PASSWORD}
    assert_error(api_client.post_json("/api/v1/auth/register", body), 409, "conflict", "username")
    body["code"] = _wrong(code)
    assert_error(api_client.post_json("/api/v1/auth/register", body), 400, "invalid", "username", "code")


def test_the_register_page_shows_both_errors_in_chinese():
    client = PageClient()
    client.submit("/accounts/register/", {"email": "page@example.com"})
    code = code_from_mail()
    response = client.submit("/accounts/register/verify/", {"code": _wrong(code), "username": "页面", "password": "1234"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "验证码不正确。" in html
    assert "密码太短了，至少需要 8 个字符。" in html and "密码只包含数字。" in html
    assert "This password" not in html


def test_the_register_page_in_english_speaks_english():
    client = PageClient(HTTP_ACCEPT_LANGUAGE="en")
    client.submit("/accounts/register/", {"email": "en@example.com"})
    code = code_from_mail()
    html = client.submit("/accounts/register/verify/", {"code": _wrong(code), "username": "english", "password": "1234"}).content.decode()
    assert "This password is too short. It must contain at least 8 characters." in html
    assert "This password is entirely numeric." in html and "The code is not right." in html


@pytest.mark.parametrize("password", ["1234", "password", "12345678", "reg_user_name"])
def test_every_validator_message_is_chinese(password):
    user = User(username="reg_user_name", email="reg@example.com")
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as caught:
            password_validation.validate_password(password, user)
        messages = caught.value.messages
        help_texts = password_validation.password_validators_help_texts()
    for text in messages + help_texts:
        assert not any("a" <= c.lower() <= "z" for c in text.replace("%", "")), text
