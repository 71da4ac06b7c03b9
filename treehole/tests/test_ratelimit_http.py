"""Rate limits through the whole HTTP stack: the contract's 429 for the API, the friendly page for
pages, the RateLimit-* headers on allowed and refused answers, the global and per-IP buckets of
the middleware, and per-user buckets of a write endpoint."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.urls import path
from ninja import NinjaAPI

from accounts.authentication import api_auth
from treehole.errors import Banned, DomainError, error_response
from treehole.ratelimit import rate_limited
from treehole.testing import ApiClient, assert_error, make_user, token_client
from treehole.urls import urlpatterns as site_urlpatterns

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

# A write endpoint and two pages behind buckets, as every app adds them: one decorator line.
test_api = NinjaAPI(urls_namespace="ratelimit-test", docs_url=None, openapi_url=None)
test_api.exception_handler(DomainError)(lambda request, exc: error_response(exc))


@test_api.post("/write", auth=api_auth)
@rate_limited("comment")
def write(request):
    return {"ok": True}


@rate_limited("comment")
def write_page(request):
    return HttpResponse("written")


@rate_limited("comment")
def banned_page(request):
    raise Banned("你因为发广告被封禁了。")


urlpatterns = [
    path("api/rl-test/", test_api.urls),
    path("rl-test/write", write_page),
    path("rl-test/banned", banned_page),
    *site_urlpatterns,
]


@pytest.fixture
def limits(settings):
    """Small buckets that do not refill during a test."""

    def set_limits(**buckets):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, **{name: (0.001, burst) for name, burst in buckets.items()}}

    return set_limits


def headers(response) -> tuple[int, int, int]:
    return int(response["RateLimit-Limit"]), int(response["RateLimit-Remaining"]), int(response["RateLimit-Reset"])


def send_code(client, email, **extra):
    return client.post_json("/api/v1/auth/email-code", {"email": email, "purpose": "reset_password"}, **extra)


# --- the API ------------------------------------------------------------------------------------


def test_api_429_shape_and_headers(limits):
    limits(email_code=3)
    client = ApiClient()
    allowed = [send_code(client, f"u{i}@example.com") for i in range(3)]
    assert [r.status_code for r in allowed] == [202, 202, 202]
    assert [headers(r)[:2] for r in allowed] == [(3, 2), (3, 1), (3, 0)]
    assert all(not r.has_header("Retry-After") for r in allowed)
    refused = send_code(client, "u4@example.com")
    error = assert_error(refused, 429, "rate_limited")
    assert error["message"]
    assert refused["Content-Type"].startswith("application/json")
    retry_after = refused["Retry-After"]
    assert retry_after.isdigit() and 990 <= int(retry_after) <= 1000  # one token at 0.001/s, whole seconds
    limit, remaining, reset = headers(refused)
    assert (limit, remaining) == (3, 0) and 2990 <= reset <= 3000  # until the bucket is full again


def test_per_user_buckets_of_a_write_endpoint_are_independent(limits):
    limits(comment=2)
    alice, bob = token_client(make_user()), token_client(make_user())
    assert [alice.post_json("/api/rl-test/write").status_code for _ in range(2)] == [200, 200]
    assert_error(alice.post_json("/api/rl-test/write"), 429, "rate_limited")
    first_of_bob = bob.post_json("/api/rl-test/write")
    assert first_of_bob.status_code == 200 and headers(first_of_bob)[:2] == (2, 1)
    # Signed out, the same endpoint answers 401 before any bucket is touched.
    assert ApiClient().post_json("/api/rl-test/write").status_code == 401


def test_signed_out_writes_are_counted_per_ip_and_only_behind_trusted_proxies(limits, settings):
    limits(comment=1)
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    client = ApiClient()
    assert client.post("/rl-test/write", REMOTE_ADDR="203.0.113.1").status_code == 200
    assert client.post("/rl-test/write", REMOTE_ADDR="203.0.113.1").status_code == 429
    assert client.post("/rl-test/write", REMOTE_ADDR="203.0.113.2").status_code == 200
    # A client cannot pick its IP by sending the header itself...
    assert client.post("/rl-test/write", REMOTE_ADDR="203.0.113.1", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    # ...but through our proxy, the address the proxy saw is the one counted.
    via_proxy = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    assert client.post("/rl-test/write", **via_proxy).status_code == 200
    assert client.post("/rl-test/write", **via_proxy).status_code == 429
    assert client.post("/rl-test/write", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200


def test_reads_are_not_counted_by_a_write_bucket(limits):
    limits(comment=1)
    client = ApiClient()
    assert all(client.get("/rl-test/write").status_code == 200 for _ in range(3))
    assert client.post("/rl-test/write").status_code == 200


# --- pages --------------------------------------------------------------------------------------


def test_a_refused_page_gets_the_friendly_page(limits):
    limits(login=2)
    client = ApiClient()
    form = {"login": "nobody", "password": "wrong-password-1"}
    for _ in range(2):
        page = client.post("/accounts/login/", form)
        assert page.status_code == 200 and headers(page)[:2][0] == 2
    refused = client.post("/accounts/login/", form)
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("text/html")
    html = refused.content.decode()
    assert "操作太频繁" in html and "<!doctype html>" in html.lower()
    assert int(refused["Retry-After"]) >= 1 and headers(refused)[:2] == (2, 0)
    assert "no-store" in refused["Cache-Control"]
    assert client.get("/accounts/login/").status_code == 200  # reading the page is not a login


def test_a_banned_page_request_gets_a_friendly_403_not_a_500():
    response = ApiClient().post("/rl-test/banned")
    assert response.status_code == 403
    assert "你因为发广告被封禁了。" in response.content.decode()


def test_the_friendly_page_is_in_the_visitors_language(limits):
    limits(comment=0.5)  # a burst below one: every request is refused
    response = ApiClient().post("/rl-test/write", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert '<html lang="en">' in response.content.decode()


# --- the middleware's buckets -------------------------------------------------------------------


def test_the_global_bucket_limits_everyone_together(limits):
    limits(**{"global": 3})
    alice = token_client(make_user())
    anonymous = ApiClient()
    assert alice.get_json("/api/v1/me").status_code == 200
    assert anonymous.get("/accounts/login/", REMOTE_ADDR="203.0.113.1").status_code == 200
    assert anonymous.get("/api/v1/categories", REMOTE_ADDR="203.0.113.2").status_code != 429
    # The site's bucket is empty now, for every caller and every path.
    api_refusal = alice.get_json("/api/v1/me")
    assert_error(api_refusal, 429, "rate_limited")
    assert int(api_refusal["Retry-After"]) >= 1 and headers(api_refusal)[:2] == (3, 0)
    page_refusal = anonymous.get("/accounts/login/", REMOTE_ADDR="203.0.113.9")
    assert page_refusal.status_code == 429 and page_refusal["Content-Type"].startswith("text/html")
    assert "树洞现在太忙了" in page_refusal.content.decode()
    # Health checks and files are not counted.
    assert anonymous.get("/healthz").status_code == 200


def test_the_global_bucket_is_never_shown_on_allowed_answers(limits):
    limits(**{"global": 100})
    alice = token_client(make_user())
    response = alice.get_json("/api/v1/me")
    assert response.status_code == 200 and not response.has_header("RateLimit-Limit")


def test_signed_out_traffic_is_limited_per_ip(limits, client):
    limits(anon=2)
    assert [client.get("/accounts/login/", REMOTE_ADDR="203.0.113.1").status_code for _ in range(2)] == [200, 200]
    shown = client.get("/accounts/login/", REMOTE_ADDR="203.0.113.2")
    assert headers(shown)[:2] == (2, 1)  # the caller sees their own IP's bucket
    refused = client.get("/accounts/login/", REMOTE_ADDR="203.0.113.1")
    assert refused.status_code == 429 and headers(refused)[:2] == (2, 0)
    assert_error(ApiClient().get_json("/api/v1/categories", REMOTE_ADDR="203.0.113.1"), 429, "rate_limited")


def test_signed_in_traffic_is_not_counted_per_ip(limits):
    limits(anon=1)
    user = make_user()
    bearer = token_client(user)
    assert all(bearer.get_json("/api/v1/me").status_code == 200 for _ in range(3))
    session = ApiClient()
    session.force_login(user)
    assert all(session.get("/accounts/login/").status_code != 429 for _ in range(3))
    # A made-up token or session cookie does not escape the per-IP bucket.
    forged = ApiClient(token="not-a-jwt")
    assert forged.get("/accounts/login/").status_code == 200
    assert forged.get("/accounts/login/").status_code == 429
    stale = ApiClient()
    stale.cookies["sessionid"] = "made-up-session-key"
    assert stale.get("/accounts/login/").status_code == 429


def test_an_expired_token_counts_as_signed_out(limits, settings):
    import time

    import jwt

    limits(anon=1)
    user = make_user()
    now = int(time.time())
    claims = {"sub": str(user.pk), "type": "access", "ver": user.token_version, "iat": now - 100, "exp": now - 10, "jti": "x"}
    expired = ApiClient(token=jwt.encode(claims, settings.JWT_SIGNING_KEY, algorithm="HS256"))
    assert expired.get("/accounts/login/").status_code == 200
    assert expired.get("/accounts/login/").status_code == 429
