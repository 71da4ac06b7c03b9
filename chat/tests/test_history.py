"""History: the last 500 messages from the Redis list, older ones from MariaDB, one order, no
gap and no duplicate across the boundary; `after=` for a reconnecting client; the API's shape."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat import presence, services
from chat.models import ChatMessage
from chat.selectors import _history_from_database, chat_history
from chat.serializers import message_public
from treehole.testing import assert_error, make_user, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_chat_limit(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "chat": (1000, 100000)}


def send_many(n, users):
    """n messages through the service (their on-commit side effects, the Redis list and the
    fan-out, run as each commits: the plugin's commit_hooks)."""
    for i in range(n):
        services.chat_message_send(user_id=users[i % len(users)].pk, content=f"message {i}")
    return list(ChatMessage.objects.order_by("id").values_list("id", flat=True))


def page_back(limit):
    """Every message, by paging back from the latest, as the page does on scroll-up."""
    pages, cursor = [], None
    while True:
        results, has_more = chat_history(before=cursor, limit=limit)
        pages.append(results)
        if not has_more:
            return pages
        assert results, "has_more with an empty page"
        cursor = int(results[0]["id"])


def count_queries(func, *args, **kwargs):
    with CaptureQueriesContext(connection) as ctx:
        result = func(*args, **kwargs)
    return result, len(ctx.captured_queries)


def test_paging_back_across_the_500_boundary_has_no_gap_or_duplicate(no_chat_limit):
    users = [make_user("ann"), make_user("ben")]
    ids = send_many(537, users)
    assert len(ids) == 537
    redis = presence.get_redis()
    assert redis.llen(presence.recent_key()) == 500  # capped

    for limit in (50, 100, 7, 1):
        pages = page_back(limit)
        flat = [int(m["id"]) for page in reversed(pages) for m in page]
        assert flat == ids, f"limit={limit}: gap, duplicate or wrong order"
        for page in pages:
            assert [int(m["id"]) for m in page] == sorted(int(m["id"]) for m in page)  # oldest first
            assert len(page) <= limit

    # Windows inside the last 500 are served by Redis alone; the ones reaching past it by SQL,
    # and both look exactly the same.
    (latest, more), queries = count_queries(chat_history, limit=50)
    assert queries == 0 and more and [int(m["id"]) for m in latest] == ids[-50:]
    assert (latest, more) == _history_from_database("latest", None, 50)
    inside_cursor = ids[-449]  # 448 newer ones in Redis: the 50 before it still fit in the list
    (window, more), queries = count_queries(chat_history, before=inside_cursor, limit=50)
    assert queries == 0 and [int(m["id"]) for m in window] == ids[-499:-449]
    (window, more), queries = count_queries(chat_history, before=ids[-460], limit=50)
    assert queries == 1 and [int(m["id"]) for m in window] == ids[-510:-460]  # straddles: database
    assert (window, more) == _history_from_database("before", ids[-460], 50)
    assert chat_history(before=ids[0], limit=50) == ([], False)


def test_after_catches_up_across_the_boundary(no_chat_limit):
    users = [make_user("cat")]
    ids = send_many(530, users)
    collected, cursor = [], ids[0]
    while True:
        results, has_more = chat_history(after=cursor, limit=100)
        collected += [int(m["id"]) for m in results]
        if not has_more:
            break
        cursor = int(results[-1]["id"])
    assert collected == ids[1:]

    (results, more), queries = count_queries(chat_history, after=ids[-3], limit=100)
    assert queries == 0 and [int(m["id"]) for m in results] == ids[-2:] and more is False
    (results, more), queries = count_queries(chat_history, after=ids[10], limit=5)
    assert queries == 1 and [int(m["id"]) for m in results] == ids[11:16] and more is True
    assert chat_history(after=ids[-1], limit=10) == ([], False)


def test_short_history_is_served_whole_from_redis(no_chat_limit):
    ids = send_many(3, [make_user("dan")])
    chat_history(limit=50)  # the first read marks the list as built (merging in the database)
    (results, more), queries = count_queries(chat_history, limit=50)
    assert queries == 0 and [int(m["id"]) for m in results] == ids and more is False
    (results, more), queries = count_queries(chat_history, before=ids[1], limit=50)
    assert queries == 0 and [int(m["id"]) for m in results] == ids[:1] and more is False
    assert chat_history(before=ids[0]) == ([], False)


def test_history_survives_the_loss_of_redis(no_chat_limit):
    ids = send_many(520, [make_user("eve")])
    redis = presence.get_redis()
    redis.flushdb()

    # Messages sent after the loss land in a short list; the first read merges the database back.
    more_ids = send_many(2, [make_user("fay")])[-2:]
    assert redis.llen(presence.recent_key()) == 2
    results, more = chat_history(limit=50)
    assert [int(m["id"]) for m in results] == (ids + more_ids)[-50:] and more
    assert redis.llen(presence.recent_key()) == 500
    assert [int(m["id"]) for page in reversed(page_back(100)) for m in page] == ids + more_ids
    # The management command does the same on demand.
    redis.delete(presence.recent_key(), presence.recent_meta_key())
    assert presence.recent_rebuild() == 500


def test_the_list_stays_sorted_when_messages_reach_redis_out_of_order():
    user = make_user("gus")
    messages = [ChatMessage.objects.create(user=user, content=f"m{i}") for i in range(6)]
    payloads = [message_public(m) for m in messages]
    for index in (0, 1, 4, 2, 5, 3, 4):  # two processes' messages crossing; 4 arrives twice
        presence.recent_push(payloads[index])
    stored = presence.get_redis().lrange(presence.recent_key(), 0, -1)
    assert [presence.decode_entry(e) for e in stored] == payloads


def test_deleting_a_message_removes_it_from_redis(no_chat_limit):
    ids = send_many(3, [make_user("hal")])
    services.chat_message_delete(message_id=ids[1])
    results, _more = chat_history(limit=50)
    assert [int(m["id"]) for m in results] == [ids[0], ids[2]]
    stored = presence.get_redis().lrange(presence.recent_key(), 0, -1)
    assert [int(presence.decode_entry(e)["id"]) for e in stored] == [ids[0], ids[2]]


# -- the API ----------------------------------------------------------------------------------------


def test_messages_endpoint(no_chat_limit):
    user = make_user("ivy")
    ids = send_many(120, [user])
    client = token_client(user)

    body = client.get_json("/api/v1/chat/messages").json()
    assert set(body) == {"results", "has_more"} and body["has_more"] is True
    assert [int(m["id"]) for m in body["results"]] == ids[-50:]  # default limit 50
    first = body["results"][0]
    assert first == {
        "id": str(ids[-50]),
        "user": {"id": str(user.pk), "username": "ivy", "avatar_url": None},
        "content": "message 70",
        "created_at": first["created_at"],
    }
    assert first["created_at"].endswith("+00:00")

    body = client.get_json("/api/v1/chat/messages", {"before": str(ids[-50]), "limit": 1000}).json()
    assert len(body["results"]) == 70 and body["has_more"] is False  # limit capped at 100
    body = client.get_json("/api/v1/chat/messages", {"after": str(ids[-3])}).json()
    assert [int(m["id"]) for m in body["results"]] == ids[-2:] and body["has_more"] is False

    assert_error(client.get_json("/api/v1/chat/messages", {"before": "abc"}), 400, "invalid", "before")
    assert_error(client.get_json("/api/v1/chat/messages", {"after": "-5"}), 400, "invalid", "after")
    assert_error(client.get_json("/api/v1/chat/messages", {"limit": 0}), 400, "invalid", "limit")
    assert_error(client.get_json("/api/v1/chat/messages", {"limit": "many"}), 400, "invalid", "limit")
    assert_error(
        client.get_json("/api/v1/chat/messages", {"before": str(ids[5]), "after": str(ids[1])}), 400, "invalid"
    )


def test_chat_endpoints_need_a_signed_in_caller(client):
    assert_error(client.get("/api/v1/chat/messages"), 401, "unauthenticated")
    assert_error(client.get("/api/v1/chat/online"), 401, "unauthenticated")


def test_online_endpoint_lists_distinct_users_and_prunes_dead_connections(settings):
    ann, ben = make_user("ann"), make_user("ben")
    presence.presence_join(user_id=ann.pk, connection_id="specific.a!1")
    presence.presence_join(user_id=ann.pk, connection_id="specific.a!2")
    presence.presence_join(user_id=ben.pk, connection_id="specific.b!1")
    client = token_client(ann)
    body = client.get_json("/api/v1/chat/online").json()
    assert body == {
        "count": 2,
        "users": [
            {"id": str(ann.pk), "username": "ann", "avatar_url": None},
            {"id": str(ben.pk), "username": "ben", "avatar_url": None},
        ],
    }
    # ben's process died: his connection's heartbeat is older than the timeout.
    presence.get_redis().zadd(presence.conns_key(), {presence.connection_member(ben.pk, "specific.b!1"): 1})
    body = client.get_json("/api/v1/chat/online").json()
    assert body["count"] == 1 and [u["username"] for u in body["users"]] == ["ann"]


def test_openapi_documents_the_chat_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/chat/messages" in paths and "/api/v1/chat/online" in paths
    params = {p["name"] for p in paths["/api/v1/chat/messages"]["get"]["parameters"]}
    assert {"before", "after", "limit"} <= params
