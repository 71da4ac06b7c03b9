"""The sensitive-word filter, crisis phrases and reports on chat messages."""

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from chat.models import ChatMessage
from moderation import care, filters
from moderation.models import Case, CrisisPhrase, SensitiveWord

from .conftest import communicator, connect, receive_until, send, session_cookie

pytestmark = pytest.mark.asyncio


def _lists():
    SensitiveWord.objects.create(pattern="违禁词", action="block")
    SensitiveWord.objects.create(pattern="脏话", action="mask")
    SensitiveWord.objects.create(pattern="待审词", action="hold")
    CrisisPhrase.objects.get_or_create(phrase="不想活了")
    filters.matcher.invalidate()
    care.state.invalidate()


async def test_words_are_blocked_masked_or_refused_and_crisis_opens_a_case(chat_users):
    alice, bob, _carol = chat_users
    await sync_to_async(_lists)()
    a = communicator(cookie=await sync_to_async(session_cookie)(alice))
    b = communicator(cookie=await sync_to_async(session_cookie)(bob))
    await connect(a)
    await connect(b)
    for content in ("这是违禁词", "一个待审词"):
        await send(a, {"type": "message", "content": content})
        error = await receive_until(a, "error")
        assert error["code"] == "invalid" and error["message"]
    assert await ChatMessage.objects.acount() == 0
    await send(a, {"type": "message", "content": "别说脏话"})
    assert (await receive_until(b, "message"))["message"]["content"] == "别说**"
    await send(a, {"type": "message", "content": "我有点不想活了"})
    crisis = (await receive_until(b, "message"))["message"]
    case = await Case.objects.aget(target_type="message", target_id=int(crisis["id"]))
    assert case.crisis is True
    await a.disconnect()
    await b.disconnect()


async def test_messages_can_be_reported_from_the_page_and_the_api(chat_users, settings):
    from treehole.testing import token_client

    alice, bob, _carol = chat_users
    message = await ChatMessage.objects.acreate(user=alice, content="hello")

    def report():
        client = token_client(bob)
        return client.post_json("/api/v1/reports", {"target_type": "message", "target_id": str(message.pk), "reason": "spam"})

    response = await sync_to_async(report)()
    assert response.status_code == 201, response.content

    def page():
        client = Client()
        client.force_login(bob)
        return client.get("/chat/").content.decode()

    html = await sync_to_async(page)()
    assert 'id="chat-report-template"' in html and 'data-target-type="message"' in html
