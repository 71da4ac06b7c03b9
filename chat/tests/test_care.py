"""A crisis phrase in a chat message: the message is sent as usual (nothing blocked), its writer
gets a ``care`` frame with the card, nobody else does, and the room page carries the card."""

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from django.apps import apps

from moderation import care, care_defaults

from .conftest import communicator, connect, receive_until, send, session_cookie

pytestmark = pytest.mark.asyncio


async def test_the_writer_gets_the_care_card_and_the_room_goes_on(chat_users):
    alice, bob, _carol = chat_users
    await sync_to_async(care_defaults.seed)(apps)  # a transactional test starts with empty tables
    await sync_to_async(care.state.invalidate)()
    a = communicator(cookie=await sync_to_async(session_cookie)(alice))
    b = communicator(cookie=await sync_to_async(session_cookie)(bob))
    await connect(a)
    await connect(b)
    await send(a, {"type": "message", "content": "我真的 不想活了", "client_id": "c1"})
    # The care frame and the echo of the message (it goes round the channel layer) in any order.
    skipped: list = []
    echo = await receive_until(a, "message", skip=("presence", "care"), skipped=skipped)
    assert echo["message"]["content"] == "我真的 不想活了"
    cares = [f for f in skipped if f["type"] == "care"]
    frame = cares[0] if cares else await receive_until(a, "care")
    assert frame["client_id"] == "c1" and frame["card"]["title"]
    assert [line["phone"] for line in frame["card"]["hotlines"]][:2] == ["12356", "400-161-9995"]
    # Bob sees the message and then the next one, with no care frame in between.
    await send(a, {"type": "message", "content": "晚安"})
    assert (await receive_until(b, "message"))["message"]["content"] == "我真的 不想活了"
    assert (await receive_until(b, "message"))["message"]["content"] == "晚安"
    # An ordinary message brings no card to its writer either.
    await receive_until(a, "message")
    await send(a, {"type": "ping"})
    assert (await receive_until(a, "pong"))["type"] == "pong"
    await a.disconnect()
    await b.disconnect()


async def test_the_room_page_carries_the_card_hidden_until_a_care_frame(chat_users):
    await sync_to_async(care_defaults.seed)(apps)

    def page():
        client = Client()
        client.force_login(chat_users[0])
        return client.get("/chat/").content.decode()

    html = await sync_to_async(page)()
    assert '<div class="chat-care" id="chat-care" hidden>' in html
    block = html[html.index('id="chat-care"'):]
    assert "你并不孤单" in block and "12356" in block
