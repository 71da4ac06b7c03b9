"""The token bucket itself, against the real Redis: the Lua script's arithmetic and clock, EVALSHA
after a SCRIPT FLUSH, subjects (user, IP, trusted proxies), and what happens when Redis is down."""

from __future__ import annotations

import logging
import math
import time

import pytest
from django.test import RequestFactory

from treehole import ratelimit
from treehole import redis as treehole_redis
from treehole.errors import RateLimited, Unavailable
from treehole.net import client_ip
from treehole.redis import get_redis, key
from treehole.testing import make_user
from tests.outage.support import redis_unreachable


def redis_now_us() -> int:
    seconds, micros = get_redis().time()
    return seconds * 1_000_000 + micros


def bucket_state(action: str, subject: str) -> dict:
    return get_redis().hgetall(key("rl", action, subject))


def set_state(action: str, subject: str, *, tokens: float, ts_us: int) -> None:
    get_redis().hset(key("rl", action, subject), mapping={"tokens": repr(tokens), "ts": str(ts_us)})


# --- the script ---------------------------------------------------------------------------------


def test_a_new_bucket_is_full_and_admits_its_burst_then_refuses():
    decisions = [ratelimit.take("t", "s", rate=0.001, burst=3) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert all(d.limit == 3 for d in decisions)
    assert decisions[0].retry_after == 0
    refused = decisions[-1]
    assert 999 < refused.retry_after <= 1000  # one token at 0.001/s
    assert 2999 < refused.reset_after <= 3000  # full again after three


def test_refill_is_fractional_and_uses_redis_time():
    # Real time passes between the calls too: at 2/s each elapsed microsecond adds a little, so the
    # bounds allow exactly what Redis' own clock says went by (``drift``) and nothing more.
    started = redis_now_us()
    # 0 tokens 0.25 s ago at 2/s: half a token now, not enough.
    set_state("t", "frac", tokens=0.0, ts_us=started - 250_000)
    refused = ratelimit.take("t", "frac", rate=2, burst=5)
    drift = 2 * (redis_now_us() - started) / 1e6
    assert not refused.allowed
    assert 0.5 <= float(bucket_state("t", "frac")["tokens"]) <= 0.5 + drift + 1e-6
    assert 0.25 - drift / 2 - 1e-3 <= refused.retry_after <= 0.255  # the other half token
    # 0.75 s later in Redis' clock: 0.5 + 1.5 = 2 tokens; one is taken, one stays.
    state = bucket_state("t", "frac")
    set_state("t", "frac", tokens=float(state["tokens"]), ts_us=int(state["ts"]) - 750_000)
    allowed = ratelimit.take("t", "frac", rate=2, burst=5)
    drift = 2 * (redis_now_us() - started) / 1e6
    assert allowed.allowed and allowed.remaining == 1
    assert 1.0 <= float(bucket_state("t", "frac")["tokens"]) <= 1.0 + drift + 1e-6


def test_refill_never_exceeds_capacity():
    set_state("t", "cap", tokens=1.0, ts_us=redis_now_us() - 3600 * 1_000_000)
    decision = ratelimit.take("t", "cap", rate=10, burst=4)
    assert decision.allowed and decision.remaining == 3


def test_a_clock_that_steps_back_mints_no_tokens():
    # The stored timestamp is 100 s in the future (e.g. Redis failed over to a host whose clock is behind).
    set_state("t", "back", tokens=0.0, ts_us=redis_now_us() + 100_000_000)
    decision = ratelimit.take("t", "back", rate=1000, burst=10)
    assert not decision.allowed
    state = bucket_state("t", "back")
    assert float(state["tokens"]) == 0.0  # clamped: no negative elapsed, no wrap-around
    assert int(state["ts"]) <= redis_now_us()  # and it refills from the new clock from now on
    time.sleep(0.01)
    assert ratelimit.take("t", "back", rate=1000, burst=10).allowed


def test_a_cost_above_capacity_is_refused_and_costs_nothing():
    decision = ratelimit.take("t", "big", cost=6, rate=1, burst=5)
    assert not decision.allowed and decision.retry_after == math.inf
    assert ratelimit.take("t", "big", cost=5, rate=1, burst=5).allowed  # the bucket was left full
    with pytest.raises(RateLimited) as caught:
        ratelimit.enforce("comment", subject="s", cost=11)  # comment: burst 10
    assert caught.value.retry_after >= 1


def test_bad_arguments_are_refused_before_redis():
    with pytest.raises(ValueError):
        ratelimit.take("t", "x", rate=0, burst=5)
    with pytest.raises(ValueError):
        ratelimit.take("t", "x", rate=1, burst=5, cost=-1)


def test_the_key_lives_exactly_long_enough_to_refill():
    ratelimit.take("t", "ttl", cost=1, rate=0.5, burst=10)  # 1 token short: full in 2 s
    assert 2000 < get_redis().pttl(key("rl", "t", "ttl")) <= 3000
    ratelimit.take("t", "ttl", cost=9, rate=0.5, burst=10)  # empty: full in 20 s
    assert 20000 < get_redis().pttl(key("rl", "t", "ttl")) <= 21000


def test_take_many_takes_from_every_bucket_or_from_none():
    a, b = ratelimit.Bucket("t", "a", rate=0.001, burst=5), ratelimit.Bucket("t", "b", rate=0.001, burst=1)
    allowed, decisions = ratelimit.take_many([a, b])
    assert allowed and [d.remaining for d in decisions] == [4, 0]
    allowed, decisions = ratelimit.take_many([a, b])
    assert not allowed
    assert float(bucket_state("t", "a")["tokens"]) == pytest.approx(4, abs=0.01)  # a gave nothing
    assert ratelimit.most_limiting(decisions).action == "t" and ratelimit.most_limiting(decisions).remaining == 0


def test_evalsha_reloads_the_script_after_script_flush():
    r = get_redis()
    ratelimit.take("t", "sha", rate=1, burst=5)
    sha = ratelimit._TAKE._script.sha
    assert r.script_exists(sha) == [True]
    r.script_flush()  # what a Redis restart or failover does to the script cache
    assert r.script_exists(sha) == [False]
    decision = ratelimit.take("t", "sha", rate=1, burst=5)  # EVALSHA -> NOSCRIPT -> SCRIPT LOAD -> EVALSHA
    assert decision.allowed and decision.remaining == 3
    assert r.script_exists(sha) == [True]


# --- subjects -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_per_user_buckets_are_independent(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "comment": (0.001, 2)}
    alice, bob = make_user(), make_user()
    for _ in range(2):
        ratelimit.enforce("comment", user=alice)
    with pytest.raises(RateLimited):
        ratelimit.enforce("comment", user=alice)
    assert ratelimit.enforce("comment", user=bob).remaining == 1  # Bob's bucket is his own
    assert ratelimit.enforce("vote", user=alice).allowed  # and so is each action's


def test_signed_out_callers_are_counted_per_ip(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (0.001, 1)}
    factory = RequestFactory()
    first, second = factory.post("/", REMOTE_ADDR="203.0.113.1"), factory.post("/", REMOTE_ADDR="203.0.113.2")
    ratelimit.enforce("login", request=first)
    with pytest.raises(RateLimited):
        ratelimit.enforce("login", request=factory.post("/", REMOTE_ADDR="203.0.113.1"))
    assert ratelimit.enforce("login", request=second).allowed


def test_ipv6_clients_are_counted_per_64():
    assert ratelimit.ip_subject("2001:db8:1:2::1") == ratelimit.ip_subject("2001:db8:1:2:ffff::9") == "ip2001:db8:1:2::/64"
    assert ratelimit.ip_subject("2001:db8:1:3::1") != ratelimit.ip_subject("2001:db8:1:2::1")
    assert ratelimit.ip_subject("::ffff:198.51.100.7") == ratelimit.ip_subject("198.51.100.7") == "ip198.51.100.7"


def test_the_forwarded_header_is_believed_only_from_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.TRUSTED_PROXY_HEADER = "HTTP_X_FORWARDED_FOR"
    factory = RequestFactory()
    # Straight from the internet: whatever the client claims is ignored.
    assert client_ip(factory.get("/", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="1.2.3.4")) == "198.51.100.9"
    # Through our proxy: the hop the proxy saw (rightmost untrusted); a spoofed left part is ignored.
    via_proxy = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.9")
    assert client_ip(via_proxy) == "198.51.100.9"
    # Through two of our proxies.
    chain = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.9, 10.0.0.3")
    assert client_ip(chain) == "198.51.100.9"
    assert client_ip(factory.get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"
    settings.TRUSTED_PROXIES = []
    assert client_ip(via_proxy) == "10.0.0.2"


# --- Redis down ---------------------------------------------------------------------------------


@pytest.fixture
def redis_down(settings):
    with redis_unreachable(settings):
        yield


def test_redis_down_fails_open_and_logs(redis_down, caplog):
    with caplog.at_level(logging.ERROR, logger="treehole.ratelimit"):
        assert ratelimit.enforce("comment", subject="u1") is None
        assert ratelimit.enforce("comment", subject="u1") is None
    assert "failing open" in caplog.text
    assert caplog.text.count("failing open") == 1  # logged once, not once per request


def test_redis_down_fails_closed_for_email_sending(redis_down, caplog):
    with caplog.at_level(logging.ERROR, logger="treehole.ratelimit"), pytest.raises(Unavailable):
        ratelimit.enforce("email_code", subject="ip203.0.113.1")
    assert "failing closed" in caplog.text


def test_after_a_failure_the_breaker_spares_redis_then_asks_again(redis_down, settings):
    settings.REDIS_BREAKER_SECONDS = 0.2
    breaker = treehole_redis.breaker_for("127.0.0.1:1")  # the server the client points at
    with pytest.raises(ratelimit.RedisError) as first:
        ratelimit.take("t", "b", rate=1, burst=1)
    assert not isinstance(first.value, treehole_redis.RedisUnavailable)  # Redis itself was asked
    attempts = breaker.connect_attempts
    with pytest.raises(treehole_redis.RedisUnavailable):
        ratelimit.take("t", "b", rate=1, burst=1)  # not asked again at once
    assert breaker.connect_attempts == attempts
    time.sleep(0.25)
    with pytest.raises(ratelimit.RedisError) as later:
        ratelimit.take("t", "b", rate=1, burst=1)
    assert not isinstance(later.value, treehole_redis.RedisUnavailable)
    assert breaker.connect_attempts == attempts + 1


@pytest.mark.django_db
def test_redis_down_over_http(redis_down, client, settings):
    from treehole.testing import assert_error

    # Reads fail open: the page is served, without RateLimit headers (nothing decided).
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and not page.has_header("RateLimit-Limit")
    # E-mail sending fails closed with the contract's 503.
    response = client.post("/api/v1/auth/email-code", {"email": "a@example.com", "purpose": "register"},
                           content_type="application/json")
    assert_error(response, 503, "unavailable")
    # /healthz says so.
    health = client.get("/healthz")
    assert health.status_code == 503
    body = health.json()
    assert body["status"] == "error" and body["database"] == "ok"
    assert body["redis"].startswith("error")
    assert body["ratelimit"].startswith("error") and "failing open" in body["ratelimit"]
    assert "closed for email_code" in body["ratelimit"]


def test_the_limiter_works_again_when_redis_is_back(settings):
    real = settings.REDIS_URL
    with redis_unreachable(settings):
        assert ratelimit.enforce("comment", subject="u1") is None  # down: open
    assert settings.REDIS_URL == real  # the test Redis again
    assert ratelimit.enforce("comment", subject="u1").allowed
    assert ratelimit.probe() == "ok"


def test_a_decorator_naming_an_unknown_bucket_fails_at_import():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        ratelimit.rate_limited("no-such-action")
