"""Friendly error pages in the site's language (DEBUG is off under pytest), the contract's JSON
under /api/, a 500 page that needs no database, and a form that survives a stale CSRF token."""

from __future__ import annotations

import re

import pytest
from django.db import connections
from django.test import Client, override_settings
from django.urls import path

from treehole import errorpages
from treehole.testing import make_user

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("broken on purpose")


def _forbidden(request):
    from django.core.exceptions import PermissionDenied

    raise PermissionDenied("只有作者可以修改这篇帖子。")


urlpatterns_with_errors = [path("boom/", _boom), path("api/v1/boom", _boom), path("forbidden/", _forbidden)]


def test_a_dead_link_is_a_friendly_page_in_chinese_not_a_bare_not_found():
    response = Client().get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Not Found" not in html
    assert "没有找到这个页面" in html and 'href="/"' in html
    assert 'class="topbar"' in html  # the site's own layout
    assert "12356" in html  # the footer's hotlines


def test_the_404_page_in_english():
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_api_paths_keep_the_json_error_shape():
    from treehole.testing import assert_error

    assert_error(Client().get("/api/v1/no/such/endpoint"), 404, "not_found")


def test_a_permission_error_is_a_friendly_403_with_the_reason():
    import treehole.urls as root

    class Urls:
        urlpatterns = urlpatterns_with_errors + root.urlpatterns
        handler403 = root.handler403
        handler500 = root.handler500

    with override_settings(ROOT_URLCONF=Urls):
        response = Client().get("/forbidden/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "没有权限" in html and "只有作者可以修改这篇帖子。" in html


def test_500_page_renders_without_database_redis_or_context_processors(monkeypatch):
    import treehole.urls as root

    class Urls:
        urlpatterns = urlpatterns_with_errors + root.urlpatterns
        handler500 = root.handler500

    def no_database(*args, **kwargs):
        raise AssertionError("the 500 page touched the database")

    def no_redis(*args, **kwargs):
        raise AssertionError("the 500 page touched Redis")

    monkeypatch.setattr("treehole.redis.get_redis", no_redis)
    client = Client(raise_request_exception=False)
    with override_settings(ROOT_URLCONF=Urls):
        monkeypatch.setattr(connections["default"], "cursor", no_database)
        response = errorpages.server_error(None)
        page = client.get("/boom/")
        api = client.get("/api/v1/boom")
    html = response.content.decode()
    assert response.status_code == 500
    assert "服务器出错了" in html and "12356" in html and "400-161-9995" in html and "110" in html
    assert page.status_code == 500 and "服务器出错了" in page.content.decode()
    assert api.status_code == 500 and api.json()["error"]["code"] == "internal_error"


def test_500_falls_back_to_plain_html_when_even_the_template_fails(monkeypatch):
    def broken(name, *args, **kwargs):
        raise RuntimeError("templates gone")

    monkeypatch.setattr(errorpages.loader, "get_template", broken)
    response = errorpages.server_error(None)
    assert response.status_code == 500 and "12356" in response.content.decode()


# --- CSRF -----------------------------------------------------------------------------------------


def _token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_a_stale_csrf_token_gives_the_form_back_with_what_was_typed_but_never_the_password():
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    client.cookies.pop("csrftoken")  # the token went stale (cookie cleared / new browser session)
    response = client.post(
        "/accounts/login/?next=/notes/new/",
        {"login": "小树 <b>", "password": "secret-password-1", "csrfmiddlewaretoken": "stale"},
        HTTP_ORIGIN="http://testserver",
    )
    html = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期" in html
    assert 'action="/accounts/login/?next=/notes/new/"' in html
    assert 'name="login" value="小树 &lt;b&gt;"' in html  # kept, escaped
    assert "secret-password-1" not in html and 'type="password"' in html and "密码没有保留" in html
    # The fresh token works: the re-rendered form can be sent again.
    token = _token(html)
    assert client.cookies["csrftoken"].value
    again = client.post("/accounts/login/", {"login": "nobody", "password": "x", "csrfmiddlewaretoken": token})
    assert again.status_code == 200 and "页面已过期" not in again.content.decode()


def test_a_long_text_comes_back_in_a_textarea_and_technical_fields_hidden():
    user = make_user()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    content = "第一行\n第二行，写了很久的心里话。"
    response = client.post(
        "/notes/new/",
        {"title": "今晚", "content": content, "category": "emotion", "anonymous": "on", "image_ids": "1,2",
         "csrfmiddlewaretoken": "stale"},
        HTTP_REFERER="http://testserver/notes/new/",
    )
    html = response.content.decode()
    assert response.status_code == 403
    assert re.search(r'<textarea id="retry-content-\d+" name="content" rows="6">' + re.escape(content) + "</textarea>", html)
    assert 'name="title" value="今晚"' in html and '<label for="retry-title-0">标题</label>' in html
    for name, value in (("category", "emotion"), ("anonymous", "on"), ("image_ids", "1,2")):
        assert f'<input type="hidden" name="{name}" value="{value}">' in html


def test_a_forged_cross_site_post_is_not_offered_again():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "victim"}, HTTP_ORIGIN="https://evil.example")
    html = response.content.decode()
    assert response.status_code == 403 and "页面已过期" in html
    assert "victim" not in html and "再次提交" not in html


def test_csrf_failure_under_api_keeps_the_json_shape():
    from treehole.testing import assert_error

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user())
    assert_error(client.post("/api/v1/notes", {}, HTTP_ORIGIN="http://testserver"), 403, "forbidden")
