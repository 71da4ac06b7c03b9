"""``/ws/events/`` through the real ASGI stack (origin check, session and ?token= auth) and the
real channels-redis layer: the first frame is the unread count, a comment committed elsewhere
pushes the notification and the new count to every open socket of the user, marking read in
one tab updates the others, and no frame about an anonymous thread carries anyone's identity."""

from __future__ import annotations

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from accounts.tokens import issue_pair
from comments.services import comment_create
from notifications.services import notifications_mark_read
from treehole.testing import make_categories, make_note, make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture(autouse=True)
def _defaults(transactional_db, fast_hasher, generous_limits):
    make_categories()


def socket(*, token: str | None = None, cookie: str | None = None, origin: str = "http://testserver"):
    from treehole.asgi import application

    headers = [(b"host", b"testserver"), (b"origin", origin.encode())]
    if cookie:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return WebsocketCommunicator(application, "/ws/events/" + (f"?token={token}" if token else ""), headers=headers)


async def opened(comm, expect_count: int) -> None:
    connected, _ = await comm.connect(timeout=5)
    assert connected
    assert await comm.receive_json_from(timeout=5) == {"type": "unread", "count": expect_count}


async def next_frames(comm, n: int, raw: list[str]) -> list[dict]:
    frames = []
    for _ in range(n):
        text = await comm.receive_from(timeout=5)
        raw.append(text)
        frames.append(json.loads(text))
    return frames


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


async def test_a_comment_reaches_every_tab_with_the_count_and_no_identity():
    op, alice = await database_sync_to_async(make_user)("opsocket"), await database_sync_to_async(make_user)("alicesocket")
    note = await database_sync_to_async(make_note)(op, anonymous=True)
    token = issue_pair(op)["access"]
    cookie = await database_sync_to_async(session_cookie)(op)
    tabs = [socket(token=token), socket(cookie=cookie)]
    for tab in tabs:
        await opened(tab, 0)
    await database_sync_to_async(comment_create)(user=alice, note_id=note.pk, content="抱抱洞主")
    raw: list[str] = []
    for tab in tabs:
        notification, unread = await next_frames(tab, 2, raw)
        assert notification["type"] == "notification"
        body = notification["notification"]
        assert (body["kind"], body["count"], body["actor"], body["comment"]["floor"]) == ("comment", 1, {"display_name": "Alice"}, 1)
        assert unread == {"type": "unread", "count": 1}
    await database_sync_to_async(comment_create)(user=await database_sync_to_async(make_user)("bobsocket"), note_id=note.pk, content="我也来")
    for tab in tabs:
        notification, unread = await next_frames(tab, 2, raw)
        assert notification["notification"]["count"] == 2 and unread["count"] == 1  # folded
    # Read in one tab: every tab hears the new count.
    await database_sync_to_async(notifications_mark_read)(user=op, all=True)
    for tab in tabs:
        assert await next_frames(tab, 1, raw) == [{"type": "unread", "count": 0}]
    everything = "\n".join(raw).encode()
    for token_bytes in (str(alice.pk).encode(), b"alicesocket", b"bobsocket", b"opsocket", str(op.pk).encode()):
        assert token_bytes not in everything
    for tab in tabs:
        await tab.disconnect()


async def test_other_users_get_nothing_and_signed_out_is_4001():
    op, alice, carol = [await database_sync_to_async(make_user)() for _ in range(3)]
    note = await database_sync_to_async(make_note)(op)
    tab = socket(token=issue_pair(carol)["access"])
    await opened(tab, 0)
    await database_sync_to_async(comment_create)(user=alice, note_id=note.pk, content="嗨")
    assert await tab.receive_nothing(timeout=0.5)
    await tab.disconnect()

    anonymous = socket()
    connected, _ = await anonymous.connect(timeout=5)
    assert connected
    frame = await anonymous.receive_json_from(timeout=5)
    assert frame["type"] == "error" and frame["code"] == "unauthenticated"
    closed = await anonymous.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4001}


async def test_ping_is_answered_and_a_foreign_origin_is_refused():
    user = await database_sync_to_async(make_user)()
    tab = socket(token=issue_pair(user)["access"])
    await opened(tab, 0)
    await tab.send_json_to({"type": "ping"})
    frame = await tab.receive_json_from(timeout=5)
    assert frame["type"] == "pong" and isinstance(frame["ts"], int)
    await tab.disconnect()
    foreign = socket(token=issue_pair(user)["access"], origin="http://evil.example")
    connected, _ = await foreign.connect(timeout=5)
    assert not connected
    await asyncio.sleep(0)
