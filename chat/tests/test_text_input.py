"""Issue 14 item 8 on the chat socket: a lone surrogate (which closed the socket with 1011) is an
error frame and the connection stays open; invisible-only text is refused; overrides are removed."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from chat.models import ChatMessage

from .conftest import access_token, communicator, connect, receive_until

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    "frame",
    [
        '{"type": "message", "content": "hi \\ud800"}',
        '{"type": "message", "content": "hi", "client_id": "\\udfff"}',
        '{"type": "ping", "\\ud800": 1}',
    ],
)
async def test_a_lone_surrogate_is_an_error_frame_and_the_socket_stays_open(chat_users, frame):
    alice, _bob, _carol = chat_users
    comm = communicator(token=await sync_to_async(access_token)(alice))
    await connect(comm)
    await comm.send_to(text_data=frame)
    error = await receive_until(comm, "error")
    assert error["code"] == "invalid" and error["message"]
    await comm.send_to(text_data='{"type": "message", "content": "still here", "client_id": "c2"}')
    message = await receive_until(comm, "message")
    assert message["message"]["content"] == "still here" and message["client_id"] == "c2"
    assert await sync_to_async(lambda: list(ChatMessage.objects.values_list("content", flat=True)))() == ["still here"]
    await comm.disconnect()


async def test_invisible_only_messages_are_refused_and_overrides_removed(chat_users):
    alice, _bob, _carol = chat_users
    comm = communicator(token=await sync_to_async(access_token)(alice))
    await connect(comm)
    await comm.send_to(text_data='{"type": "message", "content": "\\u200b\\u200b\\u2066\\u2069\\u0000"}')
    assert (await receive_until(comm, "error"))["code"] == "invalid"
    await comm.send_to(text_data='{"type": "message", "content": "\\u202eolleh\\u202c there"}')
    message = await receive_until(comm, "message")
    assert message["message"]["content"] == "olleh there"
    assert await sync_to_async(lambda: list(ChatMessage.objects.values_list("content", flat=True)))() == ["olleh there"]
    await comm.disconnect()
