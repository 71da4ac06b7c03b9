"""One circuit breaker per Redis server, shared by every caller (treehole/redis.py): once a connect
has failed, no caller — cache-aside, rankings, comments, verification, the rate limiter, huey's
pool, the channel layer's — connects again while it is open. Counted at the server's port, not timed."""

from __future__ import annotations

import asyncio

import pytest
import redis
import redis.asyncio

from notes import ranking
from tests.outage.support import CountingListener
from treehole import redis as treehole_redis
from treehole.testing import ApiClient, assert_error, make_note, token_client

pytestmark = pytest.mark.django_db


def test_an_open_breaker_costs_a_stopped_redis_no_connect_per_call(own_redis, settings, categories, author, other):
    from treehole.settings.redis import redis_huey_pool

    settings.REDIS_BREAKER_SECONDS = 3600  # stays open for the whole test unless reset
    note = make_note(author)
    api, reader = ApiClient(), token_client(other)
    assert api.get_json("/api/v1/notes").status_code == 200  # the pool holds a live connection

    own_redis.kill()
    listener = CountingListener(own_redis.port)  # the port answers, and every connect dies at once
    try:
        assert api.get_json("/api/v1/notes").status_code == 200
        assert listener.accepted == 1  # the one failed connect that opened the breaker
        breaker = treehole_redis.breaker_for(f"127.0.0.1:{own_redis.port}")
        assert breaker.is_open and breaker.trips == 1

        for _ in range(5):
            assert api.get_json("/api/v1/notes", {"order": "new"}).status_code == 200
            assert api.get_json(f"/api/v1/notes/{note.pk}").status_code == 200
            assert api.get_json(f"/api/v1/notes/{note.pk}/comments").status_code == 200
            assert api.get_json("/api/v1/categories").status_code == 200
            assert reader.put_json(f"/api/v1/notes/{note.pk}/vote", {"value": 1}).status_code == 200
            assert reader.post_json(f"/api/v1/notes/{note.pk}/comments", {"content": "好"}).status_code == 201
            login = api.post_json("/api/v1/auth/login", {"login": other.username, "password": "wrong"})
            assert_error(login, 400, "captcha_required")
        # huey's own pool and the channel layer's asyncio pool ask the same breaker.
        with pytest.raises(treehole_redis.RedisUnavailable):
            redis.Redis(connection_pool=redis_huey_pool(own_redis.url)).ping()
        layer_pool = redis.asyncio.ConnectionPool.from_url(
            own_redis.url, connection_class=treehole_redis.AsyncBreakerConnection
        )
        with pytest.raises(treehole_redis.RedisUnavailable):
            asyncio.run(redis.asyncio.Redis(connection_pool=layer_pool).ping())
        assert listener.accepted == 1  # 35 requests and two other pools: not one connect attempt

        # The control: a closed breaker lets the next call try the server again.
        treehole_redis.reset_breakers()
        assert api.get_json("/api/v1/notes").status_code == 200
        assert listener.accepted == 2
        assert breaker.is_open and breaker.trips == 2
    finally:
        listener.close()


def test_when_the_pause_is_over_one_probe_closes_the_breaker(own_redis, settings, categories, author):
    settings.REDIS_BREAKER_SECONDS = 0  # every call after a failure is the probe
    note = make_note(author)
    api = ApiClient()
    own_redis.kill()
    assert api.get_json(f"/api/v1/notes/{note.pk}").status_code == 200
    breaker = treehole_redis.breaker_for(f"127.0.0.1:{own_redis.port}")
    assert breaker.is_open
    own_redis.start()  # back (empty)
    assert api.get_json(f"/api/v1/notes/{note.pk}").status_code == 200
    assert not breaker.is_open
    assert treehole_redis.get_redis().exists(ranking.info_key(note.pk)) == 1  # its card is filled again
