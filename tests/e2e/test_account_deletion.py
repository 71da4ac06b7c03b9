"""注销账号, as a member does it: from the profile to the password prompt (a wrong password is
refused on its field), then the account goes; their signed note now reads 已注销用户 and their
anonymous one still 洞主."""

from __future__ import annotations

import importlib
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.support import RESULTS, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "leaving-for-good-42"


@pytest.fixture
def member():
    from django.apps import apps
    from django.contrib.auth.hashers import make_password

    from accounts.models import User
    from notes.services import note_create

    importlib.import_module("notes.migrations.0002_seed_categories").seed(apps, None)
    user = User.objects.create(username="leaver_e", email="leaver_e@example.com",
                               password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    signed = note_create(author=user, title="署名的告别", content="谢谢大家这些年的陪伴", category="life", anonymous=False)
    anonymous = note_create(author=user, title="匿名的秘密", content="这件事只有树洞知道", category="emotion")
    return user, signed, anonymous


def test_a_member_deletes_their_account(new_page, member, viewport):
    user, signed, anonymous = member
    page = new_page("leaver")
    sign_in(page, user)
    page.goto("/accounts/me/")
    page.get_by_role("link", name="注销账号").click()
    expect(page.get_by_role("heading", name="注销账号")).to_be_visible()
    expect(page.get_by_text("仍然匿名")).to_be_visible()

    page.watch.allow_console_error(r"status of 400 .*/accounts/me/delete/")  # the wrong password's answer
    page.get_by_label("输入密码以确认").fill("not-my-password-1")
    page.get_by_role("button", name="永久注销我的账号").click()
    expect(page.get_by_text("密码不正确。")).to_be_visible()

    RESULTS.mkdir(exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=str(RESULTS / f"account-delete-{viewport}-{scheme}.png"), full_page=True)

    page.get_by_label("输入密码以确认").fill(PASSWORD)
    page.get_by_role("button", name="永久注销我的账号").click()
    expect(page.get_by_text("你的账号已注销。")).to_be_visible()
    page.goto("/accounts/me/")  # signed out: the profile sends them to the login
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    page.goto(f"/notes/{signed.pk}/")
    expect(page.locator(".author").first).to_have_text("已注销用户")
    page.goto(f"/notes/{anonymous.pk}/")
    expect(page.locator(".author").first).to_have_text("洞主")
