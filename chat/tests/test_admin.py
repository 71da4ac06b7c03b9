"""The chat admin is read-only for a message's text (the room serves the Redis list, which an
edited row would not reach); deleting goes through the service and leaves the Redis list too."""

from __future__ import annotations

import pytest
from django.test import Client

from chat import presence
from chat.models import ChatMessage
from chat.selectors import chat_history
from chat.services import chat_message_send
from treehole.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(generous_limits):
    client = Client()
    client.force_login(make_user("chat_admin", is_staff=True, is_superuser=True))
    return client


def test_a_message_cannot_be_edited_in_the_admin(admin):
    message_id = int(chat_message_send(user_id=make_user("chat_w").pk, content="原来的话")["id"])
    assert [m["content"] for m in chat_history()[0]] == ["原来的话"]
    page = admin.get(f"/admin/chat/chatmessage/{message_id}/change/")
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert admin.post(f"/admin/chat/chatmessage/{message_id}/change/", {"content": "改过的话"}).status_code == 403
    assert ChatMessage.objects.get(pk=message_id).content == "原来的话"
    assert [m["content"] for m in chat_history()[0]] == ["原来的话"]


def test_deleting_in_the_admin_leaves_the_redis_list(admin):
    writer = make_user("chat_w2")
    kept = int(chat_message_send(user_id=writer.pk, content="留下")["id"])
    gone = int(chat_message_send(user_id=writer.pk, content="删掉")["id"])
    assert presence.get_redis().llen(presence.recent_key()) == 2
    response = admin.post(f"/admin/chat/chatmessage/{gone}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert list(ChatMessage.objects.values_list("pk", flat=True)) == [kept]
    assert presence.get_redis().llen(presence.recent_key()) == 1
    assert [m["content"] for m in chat_history()[0]] == ["留下"]
