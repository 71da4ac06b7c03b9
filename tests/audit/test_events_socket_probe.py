"""``/ws/events/`` probed as a member would: the frames a follower gets when the anonymous author
replies carry none of the author's identity, and garbage sent up the socket (binary, not JSON,
a lone surrogate, a JSON array, a huge frame, an unknown type) answers an ``error`` frame in
the contract's shape (or nothing) without closing the socket: the next push still arrives."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from accounts.tokens import issue_pair
from comments.services import comment_create
from notes.services.relations import note_follow
from treehole.testing import make_categories, make_note, make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture(autouse=True)
def _defaults(transactional_db, fast_hasher, generous_limits):
    make_categories()


def socket(token: str):
    from treehole.asgi import application

    return WebsocketCommunicator(application, f"/ws/events/?token={token}",
                                 headers=[(b"host", b"testserver"), (b"origin", b"http://testserver")])


async def test_garbage_up_the_events_socket_and_the_authors_reply_coming_down():
    op = await database_sync_to_async(make_user)("opprobe", email="opprobe@mail.example")
    alice = await database_sync_to_async(make_user)("aliceprobe")
    note = await database_sync_to_async(make_note)(op, anonymous=True)
    first = await database_sync_to_async(comment_create)(user=alice, note_id=note.pk, content="抱抱")
    await database_sync_to_async(note_follow)(user=alice, note_id=note.pk)
    tab = socket(issue_pair(alice)["access"])
    connected, _ = await tab.connect(timeout=5)
    assert connected
    raw = [await tab.receive_from(timeout=5)]
    assert json.loads(raw[0])["type"] == "unread"
    for garbage in ("not json", '"\\ud800"', '{"type": "\\ud800"}', "[1, 2]", '{"type": "nope"}', "x" * 200_000, "{}"):
        await tab.send_to(text_data=garbage)
        frame = json.loads(await tab.receive_from(timeout=5))
        assert frame["type"] == "error" and isinstance(frame["code"], str) and frame["message"], (garbage[:20], frame)
    await tab.send_to(bytes_data=b"\xff\xfe")
    frame = json.loads(await tab.receive_from(timeout=5))
    assert frame["type"] == "error", frame
    # Still open: the author's anonymous reply arrives, naming them as the thread does.
    await database_sync_to_async(comment_create)(user=op, note_id=note.pk, content="谢谢", reply_to_id=first.pk)
    frames = [await tab.receive_from(timeout=5) for _ in range(2)]
    raw += frames
    notification = next(json.loads(f)["notification"] for f in frames if json.loads(f)["type"] == "notification")
    assert notification["actor"] == {"display_name": "洞主"}
    everything = "\n".join(raw).encode()
    for secret in (str(op.pk).encode(), b"opprobe", b"opprobe@mail.example"):
        assert secret not in everything
    await tab.disconnect()
