"""Being rate limited shows the friendly page, not a stack trace. A dedicated server runs with a
login bucket of one token (refilled once in ~17 minutes), so the second login attempt is refused."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def strict_site(start_server):
    return start_server("ratelimit", {"RATE_LOGIN_BURST": "1", "RATE_LOGIN_PER_SECOND": "0.001"})


def test_a_rate_limited_person_sees_the_friendly_page(new_page, strict_site):
    page = new_page(server=strict_site)
    page.goto("/accounts/login/")
    page.get_by_label("邮箱或用户名").fill("nobody")
    page.get_by_label("密码", exact=True).fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".form-errors")).to_be_visible()  # the first attempt is answered normally

    # The browser logs the refused document load itself; that is the expected answer here.
    page.watch.allow_console_error(r"status of 429")
    page.get_by_label("邮箱或用户名").fill("nobody")
    page.get_by_label("密码", exact=True).fill("still-not-the-password")
    with page.expect_response(re.compile(r"/accounts/login/")) as refused:
        page.get_by_role("button", name="登录").click()
    response = refused.value
    assert response.status == 429
    assert int(response.headers["retry-after"]) > 0

    card = page.get_by_role("alert")
    expect(card.get_by_role("heading", name="操作太频繁")).to_be_visible()
    expect(card).to_contain_text(re.compile(r"请在 \d+ 秒后再试。"))
    expect(page.locator("body")).not_to_contain_text("Traceback")
    expect(page.locator("body")).not_to_contain_text("Exception")
    expect(page).to_have_title(re.compile("操作太频繁"))
    expect(page.locator("header.topbar")).to_be_visible()  # the site's own frame, not a bare error

    card.get_by_role("link", name="回到首页").click()
    expect(page).to_have_url(strict_site.url + "/")
