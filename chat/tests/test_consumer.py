"""The chat WebSocket through the real ASGI stack (origin check, session and token auth) and the
real channels-redis layer, with WebsocketCommunicator."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from chat import presence
from chat.models import ChatMessage
from chat.selectors import chat_online

from .conftest import access_token, communicator, connect, expect_close, receive_until, send, session_cookie

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


# -- authentication ---------------------------------------------------------------------------------


async def test_session_cookie_authenticates_and_ping_gets_pong(chat_users):
    alice, _bob, _carol = chat_users
    comm = communicator(cookie=await sync_to_async(session_cookie)(alice))
    await connect(comm, expect_count=1)
    before = time.time() * 1000
    await send(comm, {"type": "ping"})
    pong = await receive_until(comm, "pong")
    assert set(pong) == {"type", "ts"}
    assert isinstance(pong["ts"], int) and before - 5 <= pong["ts"] <= time.time() * 1000 + 5
    online = await sync_to_async(chat_online)()
    assert online == {"count": 1, "users": [{"id": str(alice.pk), "username": "alice", "avatar_url": None}]}
    await comm.disconnect()


async def test_token_in_query_string_authenticates(chat_users):
    alice, _bob, _carol = chat_users
    comm = communicator(token=await sync_to_async(access_token)(alice))
    await connect(comm, expect_count=1)
    await send(comm, {"type": "message", "content": "hi", "client_id": "c1"})
    frame = await receive_until(comm, "message")
    assert frame["message"]["user"]["id"] == str(alice.pk)
    await comm.disconnect()


async def test_anonymous_connection_is_closed_with_4001(chat_users):
    comm = communicator()
    connected, _ = await comm.connect(timeout=5)
    assert connected  # accepted so that the close code reaches the client
    error = await comm.receive_json_from(timeout=5)
    assert error["type"] == "error" and error["code"] == "unauthenticated" and error["message"]
    await expect_close(comm, 4001)
    assert await sync_to_async(lambda: chat_online()["count"])() == 0


async def test_bad_or_expired_token_is_rejected_even_with_a_session(chat_users, settings):
    alice, _bob, _carol = chat_users
    cookie = await sync_to_async(session_cookie)(alice)
    comm = communicator(cookie=cookie, token="not-a-jwt")
    await comm.connect(timeout=5)
    assert (await comm.receive_json_from(timeout=5))["code"] == "unauthenticated"
    await expect_close(comm, 4001)

    settings.ACCESS_TOKEN_LIFETIME = timedelta(seconds=-10)
    expired = await sync_to_async(access_token)(alice)
    comm = communicator(token=expired)
    await comm.connect(timeout=5)
    assert (await comm.receive_json_from(timeout=5))["code"] == "token_expired"
    await expect_close(comm, 4001)


async def test_foreign_origin_is_refused(chat_users):
    alice, _bob, _carol = chat_users
    comm = communicator(cookie=await sync_to_async(session_cookie)(alice), origin="http://evil.example")
    connected, _ = await comm.connect(timeout=5)
    assert not connected


# -- messages ---------------------------------------------------------------------------------------


async def test_message_is_broadcast_to_every_client_and_client_id_only_to_the_sender(chat_users):
    alice, bob, _carol = chat_users
    a = communicator(cookie=await sync_to_async(session_cookie)(alice))
    b = communicator(token=await sync_to_async(access_token)(bob))
    await connect(a, expect_count=1)
    await connect(b, expect_count=2)

    await send(a, {"type": "message", "content": "  你好，<b>树洞</b>  ", "client_id": "tmp-1"})
    mine = await receive_until(a, "message")
    theirs = await receive_until(b, "message")

    assert mine["client_id"] == "tmp-1"
    assert "client_id" not in theirs
    assert mine["message"] == theirs["message"]
    message = mine["message"]
    assert set(message) == {"id", "user", "content", "created_at"}
    assert message["content"] == "你好，<b>树洞</b>"  # stripped, stored as text, never as markup
    assert message["user"] == {"id": str(alice.pk), "username": "alice", "avatar_url": None}
    assert isinstance(message["id"], str)

    row = await ChatMessage.objects.aget(pk=int(message["id"]))
    assert row.user_id == alice.pk and row.content == "你好，<b>树洞</b>"
    assert row.created_at.isoformat() == message["created_at"]
    assert await sync_to_async(presence.get_redis().lrange)(presence.recent_key(), 0, -1) == [
        presence.encode_entry(message)
    ]

    # A message without client_id is fine too, and the sender then gets none back.
    await send(b, {"type": "message", "content": "second"})
    assert "client_id" not in await receive_until(b, "message")
    assert (await receive_until(a, "message"))["message"]["content"] == "second"
    await a.disconnect()
    await b.disconnect()


async def test_bad_frames_get_error_frames_and_the_connection_stays_open(chat_users, settings):
    settings.WS_ERROR_FRAME_BURST = 50  # every bad frame here is answered (the throttle: accounts/tests)
    alice, _bob, _carol = chat_users
    comm = communicator(cookie=await sync_to_async(session_cookie)(alice))
    await connect(comm)

    async def error_for(**frame):
        await comm.send_to(**frame)
        error = await receive_until(comm, "error")
        assert error["message"]
        return error

    assert (await error_for(text_data="{not json"))["code"] == "invalid"
    assert (await error_for(text_data="[1, 2]"))["code"] == "invalid"
    assert (await error_for(text_data='{"type": "dance"}'))["code"] == "invalid"
    assert (await error_for(text_data='{"no": "type"}'))["code"] == "invalid"
    assert (await error_for(bytes_data=b"\x00\x01"))["code"] == "invalid"
    assert (await error_for(text_data='{"type": "message", "content": "   "}'))["code"] == "invalid"
    assert (await error_for(text_data='{"type": "message"}'))["code"] == "invalid"
    assert (await error_for(text_data='{"type": "message", "content": 42}'))["code"] == "invalid"
    bad_client_id = await error_for(text_data='{"type": "message", "content": "x", "client_id": 7}')
    assert bad_client_id["code"] == "invalid"
    too_long = await error_for(text_data='{"type": "message", "content": "%s", "client_id": "long"}' % ("长" * 501))
    assert too_long["code"] == "invalid" and too_long["client_id"] == "long"
    huge = await error_for(text_data='{"type": "message", "content": "%s"}' % ("x" * (settings.WS_MAX_FRAME_BYTES + 1)))
    assert huge["code"] == "payload_too_large"
    assert await ChatMessage.objects.acount() == 0

    # Exactly 500 characters is allowed, and the connection still works after all of that.
    await send(comm, {"type": "message", "content": "长" * 500, "client_id": "max"})
    frame = await receive_until(comm, "message")
    assert frame["client_id"] == "max" and len(frame["message"]["content"]) == 500
    await send(comm, {"type": "ping"})
    await receive_until(comm, "pong")
    await comm.disconnect()


async def test_rate_limited_sender_gets_an_error_frame_and_stays_connected(chat_users, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "chat": (0.001, 2)}
    alice, bob, _carol = chat_users
    comm = communicator(cookie=await sync_to_async(session_cookie)(alice))
    await connect(comm)
    for n in range(2):
        await send(comm, {"type": "message", "content": f"m{n}", "client_id": f"c{n}"})
        assert (await receive_until(comm, "message"))["client_id"] == f"c{n}"
    await send(comm, {"type": "message", "content": "one too many", "client_id": "c2"})
    error = await receive_until(comm, "error")
    assert error["code"] == "rate_limited" and error["client_id"] == "c2" and error["retry_after"] > 0
    assert await ChatMessage.objects.acount() == 2
    await send(comm, {"type": "ping"})
    await receive_until(comm, "pong")

    # The bucket is per user: bob is not affected.
    other = communicator(cookie=await sync_to_async(session_cookie)(bob))
    await connect(other)
    await send(other, {"type": "message", "content": "bob here"})
    assert (await receive_until(other, "message"))["message"]["content"] == "bob here"
    await comm.disconnect()
    await other.disconnect()


async def test_banned_user_can_read_but_not_send(chat_users):
    alice, bob, _carol = chat_users
    token = await sync_to_async(access_token)(alice)  # issued before the ban
    comm = communicator(token=token)
    await connect(comm)
    alice.is_banned = True
    await alice.asave(update_fields=["is_banned"])

    await send(comm, {"type": "message", "content": "let me talk", "client_id": "b1"})
    error = await receive_until(comm, "error")
    assert error["code"] == "banned" and error["client_id"] == "b1"
    assert await ChatMessage.objects.acount() == 0

    other = communicator(cookie=await sync_to_async(session_cookie)(bob))
    await connect(other)
    await send(other, {"type": "message", "content": "still reading?"})
    assert (await receive_until(comm, "message"))["message"]["content"] == "still reading?"

    # A ban whose end has passed has lifted by itself.
    alice.banned_until = timezone.now() - timedelta(minutes=1)
    await alice.asave(update_fields=["banned_until"])
    await send(comm, {"type": "message", "content": "back again"})
    assert (await receive_until(comm, "message"))["message"]["content"] == "back again"
    await comm.disconnect()
    await other.disconnect()


# -- heartbeat and presence -------------------------------------------------------------------------


async def test_silent_connection_is_closed_with_4008_and_leaves_the_online_list(chat_users, fast_heartbeat):
    alice, bob, _carol = chat_users
    silent = communicator(cookie=await sync_to_async(session_cookie)(alice))
    chatty = communicator(cookie=await sync_to_async(session_cookie)(bob))
    await connect(silent, expect_count=1)
    silent_since = time.monotonic()
    await connect(chatty, expect_count=2)

    started = time.monotonic()
    closed_at = None
    seen_by_bob: list[dict] = []
    # alice says nothing.
    # bob keeps pinging until alice is closed and then for two more timeouts (at most 10 s).
    while time.monotonic() - started < 10 and (
        closed_at is None or time.monotonic() - silent_since < closed_at + 2 * fast_heartbeat.WS_HEARTBEAT_TIMEOUT
    ):
        await send(chatty, {"type": "ping"})
        await receive_until(chatty, "pong", skipped=seen_by_bob)
        if closed_at is None:
            if await silent.receive_nothing(timeout=0.15, interval=0.01):
                continue
            output = await silent.receive_output(timeout=1)
            if output["type"] == "websocket.send":  # bob's arrival
                assert '"presence"' in output["text"]
                continue
            assert output == {"type": "websocket.close", "code": 4008}
            closed_at = time.monotonic() - silent_since
        else:
            await asyncio.sleep(0.15)
    assert closed_at is not None
    # Not before the timeout (the connect itself took a moment), and within about one sweep after.
    timeout = fast_heartbeat.WS_HEARTBEAT_TIMEOUT
    assert timeout - 0.3 <= closed_at <= timeout + fast_heartbeat.WS_SWEEP_INTERVAL + 1.5, closed_at

    # bob, who kept pinging, is still connected and was told alice left.
    assert seen_by_bob == [{"type": "presence", "count": 1}]
    online = await sync_to_async(chat_online)()
    assert [u["username"] for u in online["users"]] == ["bob"]
    await silent.disconnect()
    await chatty.disconnect()


async def test_two_tabs_of_one_user_count_once_until_the_last_tab_goes(chat_users):
    alice, bob, _carol = chat_users
    cookie = await sync_to_async(session_cookie)(alice)
    watcher = communicator(cookie=await sync_to_async(session_cookie)(bob))
    await connect(watcher, expect_count=1)

    tab1 = communicator(cookie=cookie)
    await connect(tab1, expect_count=2)
    assert await receive_until(watcher, "presence", skip=()) == {"type": "presence", "count": 2}

    tab2 = communicator(token=await sync_to_async(access_token)(alice))
    await connect(tab2, expect_count=2)  # the second tab is told the count, which did not change
    assert (await sync_to_async(chat_online)())["count"] == 2

    await tab1.disconnect()
    assert (await sync_to_async(chat_online)())["count"] == 2
    assert await watcher.receive_nothing(timeout=0.3)  # no change, no frame

    # A message still reaches the remaining tab.
    await send(watcher, {"type": "message", "content": "anyone?"})
    assert (await receive_until(tab2, "message"))["message"]["content"] == "anyone?"
    await receive_until(watcher, "message")

    await tab2.disconnect()
    assert await receive_until(watcher, "presence", skip=()) == {"type": "presence", "count": 1}
    online = await sync_to_async(chat_online)()
    assert online["count"] == 1 and online["users"][0]["username"] == "bob"
    await watcher.disconnect()


async def test_connections_of_a_dead_process_are_pruned_by_a_live_one(chat_users, fast_heartbeat):
    alice, bob, _carol = chat_users
    # Frequent sweeps, but bob (who does not ping here) must outlive a slow test on a busy machine.
    fast_heartbeat.WS_HEARTBEAT_TIMEOUT = 30
    # A process that died without cleanup left alice's connection behind, last seen long ago.
    await sync_to_async(presence.presence_join)(user_id=alice.pk, connection_id="specific.dead!process")
    r = presence.get_redis()
    member = presence.connection_member(alice.pk, "specific.dead!process")
    await sync_to_async(r.zadd)(presence.conns_key(), {member: 0}, xx=True)
    await sync_to_async(r.hset)(presence.state_key(), "count", 2)  # what was last announced

    live = communicator(cookie=await sync_to_async(session_cookie)(bob))
    first = await connect(live)
    assert first["count"] == 1  # the join itself pruned the stale entry
    assert await sync_to_async(r.zscore)(presence.conns_key(), member) is None

    # Same again while bob is connected: the periodic sweep of this process removes it.
    # In one transaction: a sweep between these writes would prune the connection before its
    # user entry exists and leave that entry behind.
    def leave_a_dead_connection():
        with r.pipeline(transaction=True) as pipe:
            pipe.zadd(presence.conns_key(), {member: 0})
            pipe.hincrby(presence.users_key(), str(alice.pk), 1)
            pipe.hset(presence.state_key(), "count", 2)
            pipe.execute()

    await sync_to_async(leave_a_dead_connection)()
    # The sweep runs every WS_SWEEP_INTERVAL; on a busy machine a few may pass before it runs.
    for _ in range(100):
        if (await sync_to_async(r.zscore)(presence.conns_key(), member) is None
                and await sync_to_async(r.hget)(presence.users_key(), str(alice.pk)) is None):
            break
        await asyncio.sleep(fast_heartbeat.WS_SWEEP_INTERVAL)
    assert await sync_to_async(r.zscore)(presence.conns_key(), member) is None
    assert await sync_to_async(r.hget)(presence.users_key(), str(alice.pk)) is None
    assert await receive_until(live, "presence", skip=()) == {"type": "presence", "count": 1}
    await live.disconnect()


async def test_a_heartbeat_puts_a_connection_back_online_after_redis_lost_it(chat_users):
    alice, _bob, _carol = chat_users
    comm = communicator(cookie=await sync_to_async(session_cookie)(alice))
    await connect(comm, expect_count=1)
    await sync_to_async(presence.get_redis().flushdb)()  # a Redis restart without persistence
    assert (await sync_to_async(chat_online)())["count"] == 0
    await send(comm, {"type": "ping"})
    await receive_until(comm, "pong")
    assert (await sync_to_async(chat_online)())["users"][0]["username"] == "alice"
    await comm.disconnect()
    assert (await sync_to_async(chat_online)())["count"] == 0


# -- the shared socket base (accounts/websocket.py) as the chat uses it --------------------------


async def test_logout_everywhere_closes_an_open_chat_socket_and_it_leaves_the_online_list(chat_users):
    from django.test import Client

    alice, bob, _carol = chat_users
    page = Client()
    await sync_to_async(page.force_login)(alice)
    mine = communicator(cookie=page.cookies["sessionid"].value)
    watcher = communicator(token=await sync_to_async(access_token)(bob))
    await connect(mine, expect_count=1)
    await connect(watcher, expect_count=2)
    assert (await sync_to_async(page.post)("/accounts/logout/everywhere/")).status_code == 302
    await expect_close(mine, 4001)
    assert await receive_until(watcher, "presence", skip=()) == {"type": "presence", "count": 1}
    # The old session cannot come back.
    again = communicator(cookie=page.cookies["sessionid"].value)
    await again.connect(timeout=5)
    await expect_close(again, 4001)
    await watcher.disconnect()


async def test_a_revoked_token_cannot_send_one_more_chat_message(chat_users):
    from accounts import verification

    alice, _bob, _carol = chat_users
    comm = communicator(token=await sync_to_async(access_token)(alice))
    await connect(comm)
    # The version moved (as after a bump whose channel-layer message was lost).
    await sync_to_async(verification.token_version_store)(alice.pk, alice.token_version + 1)
    await send(comm, {"type": "message", "content": "one more?"})
    await expect_close(comm, 4001)
    assert await ChatMessage.objects.acount() == 0


async def test_chat_sockets_per_user_are_capped(chat_users, settings):
    settings.WS_MAX_CONNECTIONS_PER_USER = 1
    alice, _bob, _carol = chat_users
    first = communicator(token=await sync_to_async(access_token)(alice))
    await connect(first)
    second = communicator(cookie=await sync_to_async(session_cookie)(alice))
    await second.connect(timeout=5)
    error = await second.receive_json_from(timeout=5)
    assert error["type"] == "error" and error["code"] == "rate_limited"
    await expect_close(second, 4029)
    assert (await sync_to_async(chat_online)())["count"] == 1
    await first.disconnect()
