"""The chat WebSocket through the real ASGI stack (origin check, token auth, channels-redis layer)
while its Redis is stopped, and after it comes back empty: a clean error frame, never a 1011."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async

from accounts.tokens import issue_pair
from chat.models import ChatMessage
from tests.outage.support import ws_communicator
from treehole import redis as treehole_redis
from treehole.testing import make_user, token_client

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def next_frame(comm, frame_type: str, *, skip=("presence",)) -> dict:
    while True:
        frame = await comm.receive_json_from(timeout=10)
        if frame["type"] == frame_type:
            return frame
        assert frame["type"] in skip, frame


async def closed_with(comm) -> int:
    """The close code the server sent (frames before it are skipped)."""
    while True:
        output = await comm.receive_output(timeout=10)
        if output["type"] == "websocket.close":
            return output.get("code", 1000)


def history(user) -> list[str]:
    response = token_client(user).get_json("/api/v1/chat/messages")
    assert response.status_code == 200
    return [message["content"] for message in response.json()["results"]]


async def test_chat_while_redis_is_stopped_then_back_empty(own_redis):
    alice = await sync_to_async(make_user)("alice")
    token = (await sync_to_async(issue_pair)(alice))["access"]
    comm = ws_communicator(token)
    connected, _ = await comm.connect(timeout=10)
    assert connected
    assert (await comm.receive_json_from(timeout=10)) == {"type": "presence", "count": 1}
    await comm.send_json_to({"type": "message", "content": "停机之前", "client_id": "c0"})
    assert (await next_frame(comm, "message"))["message"]["content"] == "停机之前"
    await comm.disconnect()

    own_redis.kill()  # -------------------------------------------------------------- Redis is gone

    comm = ws_communicator(token)
    connected, _ = await comm.connect(timeout=10)
    assert connected  # no 1011: the socket opens without fan-out and says so
    notice = await comm.receive_json_from(timeout=10)
    assert notice["type"] == "error" and notice["code"] == "unavailable" and notice["message"]
    await comm.send_json_to({"type": "ping"})
    assert (await next_frame(comm, "pong"))["ts"] > 0
    await comm.send_json_to({"type": "message", "content": "停机时的消息", "client_id": "c1"})
    echo = await next_frame(comm, "message")
    assert echo["client_id"] == "c1" and echo["message"]["content"] == "停机时的消息"
    assert await comm.receive_nothing(timeout=0.2)  # still open
    # History comes from the database.
    assert await sync_to_async(history)(alice) == ["停机之前", "停机时的消息"]
    assert await sync_to_async(ChatMessage.objects.count)() == 2

    own_redis.restart_empty()  # ------------------------------------------- back, and empty
    treehole_redis.reset_breakers()
    # The next heartbeat finds Redis again: the socket without fan-out is told to reconnect.
    await comm.send_json_to({"type": "ping"})
    assert await closed_with(comm) == 4012
    await comm.disconnect()

    comm = ws_communicator(token)
    connected, _ = await comm.connect(timeout=10)
    assert connected
    assert (await comm.receive_json_from(timeout=10)) == {"type": "presence", "count": 1}
    await comm.send_json_to({"type": "message", "content": "恢复之后", "client_id": "c2"})
    frame = await next_frame(comm, "message")
    assert frame["client_id"] == "c2" and frame["message"]["content"] == "恢复之后"
    assert await sync_to_async(history)(alice) == ["停机之前", "停机时的消息", "恢复之后"]  # Redis list refilled
    await comm.disconnect()


async def test_redis_stopping_under_an_open_socket_does_not_crash_it(own_redis):
    bob = await sync_to_async(make_user)("bob")
    token = (await sync_to_async(issue_pair)(bob))["access"]
    comm = ws_communicator(token)
    assert (await comm.connect(timeout=10))[0]
    assert (await comm.receive_json_from(timeout=10))["type"] == "presence"

    own_redis.kill()
    await asyncio.sleep(0)
    await comm.send_json_to({"type": "ping"})
    assert (await next_frame(comm, "pong"))["type"] == "pong"
    await comm.send_json_to({"type": "message", "content": "说给停机的树洞", "client_id": "k"})
    echo = await next_frame(comm, "message")  # the fan-out cannot deliver it: the sender still sees it
    assert echo["client_id"] == "k" and echo["message"]["content"] == "说给停机的树洞"
    assert await comm.receive_nothing(timeout=0.2)
    await comm.disconnect()
    assert await sync_to_async(history)(bob) == ["说给停机的树洞"]
