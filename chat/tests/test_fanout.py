"""The room's process-local fan-out (accounts.websocket.GroupFanout): however many sockets a
process holds, the room reaches it through one channel-layer subscription, each message is
encoded once for all of them, and the frames stay the contract's (client_id only to the sender,
presence never older than what a socket has shown)."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from accounts.websocket import GroupFanout, UserSocketConsumer
from chat import events, presence
from chat.consumers import ChatConsumer
from treehole.testing import make_user

from .conftest import access_token, communicator, connect, receive_until, send

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def room() -> GroupFanout:
    return GroupFanout.for_running_loop(events.GROUP, "default")


def layer_channels_in_room() -> set[str]:
    layer = get_channel_layer()._get_layer()  # the pub/sub layer of this event loop
    return set(layer.groups.get(layer._get_group_channel_name(events.GROUP), set()))


async def open_sockets(count: int) -> list:
    users = [await sync_to_async(make_user)(f"fan{i}") for i in range(count)]
    sockets = []
    for i, user in enumerate(users):
        comm = communicator(token=await sync_to_async(access_token)(user))
        await connect(comm)
        sockets.append(comm)
    return sockets


async def test_one_subscription_per_process_and_one_encoding_per_message(transactional_db, monkeypatch):
    sockets = await open_sockets(4)
    assert len(room().members) == 4
    assert layer_channels_in_room() == {room().channel_name}  # one channel in the group, not four

    encoded: list[dict] = []
    original = ChatConsumer.encode_frame

    def counting(content):
        encoded.append(content)
        return original(content)

    monkeypatch.setattr(ChatConsumer, "encode_frame", staticmethod(counting))
    await send(sockets[0], {"type": "message", "content": "大家好", "client_id": "c-1"})
    mine = await receive_until(sockets[0], "message")
    others = [await receive_until(comm, "message") for comm in sockets[1:]]
    assert mine["client_id"] == "c-1"
    assert all("client_id" not in frame and frame["message"] == mine["message"] for frame in others)
    # Once for the room, once for the sender's echo: not once per socket.
    assert [frame["type"] for frame in encoded if frame["type"] == "message"] == ["message", "message"]

    for comm in sockets:
        await comm.disconnect()
    await asyncio.sleep(0.1)
    assert room().members == {} and room().channel_name is None  # the last one out unsubscribes
    assert layer_channels_in_room() == set()


async def test_presence_through_the_fanout_is_never_older_than_what_a_socket_showed(transactional_db):
    (comm,) = await open_sockets(1)
    layer = get_channel_layer()
    base = (await sync_to_async(presence.presence_state)()).seq + 1000  # what the join showed, and on
    await layer.group_send(events.GROUP, events.presence_event(7, base))
    assert await receive_until(comm, "presence", skip=()) == {"type": "presence", "count": 7}
    await layer.group_send(events.GROUP, events.presence_event(3, base - 1))  # an older announcement
    await layer.group_send(events.GROUP, events.presence_event(8, base + 1))
    assert await receive_until(comm, "presence", skip=()) == {"type": "presence", "count": 8}
    await comm.disconnect()


async def test_an_event_without_a_fast_path_reaches_each_consumer_s_own_handler(transactional_db):
    """The generic path, for consumers (``/ws/events/``) that have no ``fanout_*`` classmethod."""

    class Probe(UserSocketConsumer):
        seen: list = []

        def __init__(self, name):
            self.name, self.closed = name, False

        async def dispatch(self, event):
            Probe.seen.append((self.name, event["type"]))

    fanout = GroupFanout("probe", "default")
    a, b = Probe("a"), Probe("b")
    fanout.members = {a: None, b: None}
    await fanout.deliver({"type": "probe.hello"})
    assert Probe.seen == [("a", "probe.hello"), ("b", "probe.hello")]


async def test_a_closed_socket_in_the_room_does_not_stop_the_others(transactional_db):
    sockets = await open_sockets(3)
    broken = next(iter(room().members))  # the first to join: sockets[0]

    async def fail(message):
        raise RuntimeError("Attempt to send on a closed protocol")

    working, broken.base_send = broken.base_send, fail
    await send(sockets[2], {"type": "message", "content": "还在吗"})
    for comm in sockets[1:]:
        assert (await receive_until(comm, "message"))["message"]["content"] == "还在吗"
    assert await sockets[0].receive_nothing(timeout=0.5)
    assert broken.closed  # marked going-away, nothing raised into the room's fan-out
    broken.base_send = working
    for comm in sockets:
        await comm.disconnect()
