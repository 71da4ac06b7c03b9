"""Journeys through the account pages: register with the e-mail code, log out and in, meet the
captcha after three failures, reset the password, edit the profile with an avatar."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.support import image_file, top_bar
from treehole.testing import make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "quiet-forest-walk-42"


def unique(prefix: str) -> str:
    # Digits only after the prefix: hex letters could spell a comment alias once the digits are
    # stripped ("lin49da5105" is "linda"), and reserved names are refused.
    return f"{prefix}{uuid.uuid4().int % 10**10:010d}"


def nav(page):
    return top_bar(page)


def log_in(page, login: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("邮箱或用户名").fill(login)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()


def test_register_log_out_log_in(page, site):
    name = unique("lin")
    address = f"{name}@example.com"

    page.goto("/")
    nav(page).get_by_role("link", name="注册").click()
    expect(page.get_by_role("heading", name="注册")).to_be_visible()
    page.get_by_label("邮箱").fill(address)
    page.get_by_role("button", name="发送验证码").click()

    expect(page).to_have_url(re.compile(r"/accounts/register/verify/$"))
    expect(page.locator(".message")).to_contain_text(f"验证码已发送到 {address}")
    expect(page.get_by_text(f"第二步：输入发到 {address} 的验证码")).to_be_visible()
    code = site.email_code(address)

    page.get_by_label("邮箱验证码").fill(code)
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="完成注册").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(".message")).to_have_text(f"欢迎来到树洞，{name}。")
    expect(nav(page).locator(".nav-user")).to_have_text(name)

    nav(page).get_by_role("button", name="退出").click()
    expect(page.locator(".message")).to_have_text("你已退出登录。")
    expect(nav(page).locator(".nav-user")).to_have_count(0)
    expect(nav(page).get_by_role("link", name="登录")).to_be_visible()

    # Back in, with the e-mail address this time.
    nav(page).get_by_role("link", name="登录").click()
    page.get_by_label("邮箱或用户名").fill(address)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(nav(page).locator(".nav-user")).to_have_text(name)

    nav(page).locator(".nav-user").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_text(address)).to_be_visible()


def test_three_failures_bring_the_captcha(page):
    from captcha.models import CaptchaStore

    user = make_user(unique("mu"), password=PASSWORD)
    page.goto("/accounts/login/")
    for attempt in (1, 2, 3):
        page.get_by_label("邮箱或用户名").fill(user.username)
        page.get_by_label("密码", exact=True).fill(f"wrong-password-{attempt}")
        page.get_by_role("button", name="登录").click()
        expect(page.locator(".form-errors")).to_be_visible()
        if attempt < 3:
            expect(page.locator(".captcha")).to_have_count(0)
    # The third failure brings the image captcha; the image really loads.
    captcha = page.locator(".captcha")
    expect(captcha).to_be_visible()
    image = captcha.locator("img")
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())

    # The right password with a wrong captcha answer is still refused.
    page.get_by_label("邮箱或用户名").fill(user.username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("图片验证码").fill("zzzz")
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(nav(page).locator(".nav-user")).to_have_count(0)
    expect(page.locator(".captcha")).to_be_visible()

    # The right password and the answer to the captcha shown (read from django-simple-captcha's store).
    key = page.locator("input[name=captcha_key]").input_value()
    answer = CaptchaStore.objects.get(hashkey=key).response
    page.get_by_label("邮箱或用户名").fill(user.username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("图片验证码").fill(answer)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(nav(page).locator(".nav-user")).to_have_text(user.username)


def test_reset_the_password(page, site):
    user = make_user(unique("rs"), password=PASSWORD)
    new_password = "a-new-morning-" + uuid.uuid4().hex[:6]

    page.goto("/accounts/login/")
    page.get_by_role("link", name="忘记密码？").click()
    expect(page.get_by_role("heading", name="找回密码")).to_be_visible()
    page.get_by_label("邮箱").fill(user.email)
    page.get_by_role("button", name="发送验证码").click()

    expect(page).to_have_url(re.compile(r"/accounts/password-reset/confirm/$"))
    expect(page.get_by_text(f"如果 {user.email} 已注册，验证码已发出。")).to_be_visible()
    code = site.email_code(user.email)
    assert "重置密码" in str(site.messages_to(user.email)[0]["Subject"])

    page.get_by_label("邮箱验证码").fill(code)
    page.get_by_label("新密码").fill(new_password)
    page.get_by_role("button", name="重置密码").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.locator(".message")).to_have_text("密码已重置，请用新密码登录。")

    # The old password no longer opens the account; the new one does.
    page.get_by_label("邮箱或用户名").fill(user.email)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".form-errors")).to_be_visible()
    expect(nav(page).locator(".nav-user")).to_have_count(0)

    page.get_by_label("邮箱或用户名").fill(user.email)
    page.get_by_label("密码", exact=True).fill(new_password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(nav(page).locator(".nav-user")).to_have_text(user.username)


def test_edit_the_profile_with_an_avatar(page):
    user = make_user(unique("pf"), password=PASSWORD)
    log_in(page, user.username, PASSWORD)
    expect(nav(page).locator(".nav-user")).to_have_text(user.username)

    nav(page).locator(".nav-user").click()
    expect(page.locator(".avatar-empty")).to_be_visible()  # no avatar yet: the initial stands in
    page.get_by_role("link", name="编辑资料").click()
    expect(page.get_by_role("heading", name="编辑资料")).to_be_visible()

    new_name = unique("pf")
    page.get_by_label("用户名").fill(new_name)
    page.get_by_label("性别").select_option(index=1)
    gender_text = page.get_by_label("性别").locator("option:checked").inner_text()
    page.get_by_label("年龄").fill("27")
    page.get_by_label("简介").fill("喜欢雨天和热茶，\n偶尔失眠。")
    page.locator("input[type=file][name=avatar]").set_input_files(image_file("me.jpg", width=800, height=600))
    page.get_by_role("button", name="保存").click()

    expect(page).to_have_url(re.compile(r"/accounts/me/$"))
    expect(page.locator(".message")).to_have_text("资料已保存。")
    expect(page.get_by_role("heading", name=new_name)).to_be_visible()
    expect(nav(page).locator(".nav-user")).to_have_text(new_name)
    facts = page.locator(".facts")
    expect(facts).to_contain_text(gender_text)
    expect(facts).to_contain_text("27")
    expect(facts.locator(".bio")).to_have_text("喜欢雨天和热茶，\n偶尔失眠。")
    avatar = page.locator("img.avatar")
    expect(avatar).to_be_visible()
    expect(avatar).to_have_attribute("src", re.compile(r"^/media/|^https?://"))
    size = page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0 && [img.naturalWidth, img.naturalHeight]", arg=avatar.element_handle()
    ).json_value()
    assert 0 < size[0] <= 256 and 0 < size[1] <= 256, size  # resized for an avatar, not the 800x600 original

    # The edit form shows the current avatar too.
    page.get_by_role("link", name="编辑资料").click()
    expect(page.get_by_role("img", name="当前头像")).to_be_visible()
