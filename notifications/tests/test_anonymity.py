"""Anonymity first: every notification answer about an anonymous thread names each actor exactly
as the thread does (洞主, Alice, Bob …) and carries no byte of anyone's id, username or e-mail —
raw bytes of every endpoint, for every participant. (WebSocket frames: test_events_socket.py.)"""

from __future__ import annotations

import pytest

from comments.services import comment_create
from moderation import services as moderation
from moderation.models import Case
from treehole.testing import make_note, make_user, token_client

pytestmark = pytest.mark.django_db


def identities(*users) -> list[bytes]:
    out = []
    for user in users:
        out += [str(user.pk).encode(), user.username.encode(), user.email.encode()]
    return out


def every_answer(user) -> bytes:
    client = token_client(user)
    bodies = [
        client.get_json("/api/v1/notifications").content,
        client.get_json("/api/v1/notifications", {"unread": "true"}).content,
        client.get_json("/api/v1/notifications/unread-count").content,
        client.get_json("/api/v1/me/following").content,
    ]
    ids = [row["id"] for row in client.get_json("/api/v1/notifications").json()["results"]]
    if ids:
        bodies.append(client.post_json("/api/v1/notifications/read", {"ids": ids[:1]}).content)
    bodies.append(client.get_json("/api/v1/notifications", {"unread": "false"}).content)
    return b"\n".join(bodies)


def test_no_notification_answer_reveals_who_wrote_in_an_anonymous_thread(staff):
    op, alice, bob = make_user("opname"), make_user("alicename"), make_user("bobname")
    note = make_note(op, anonymous=True)
    first = comment_create(user=alice, note_id=note.pk, content="Alice 的第一楼")
    op_reply = comment_create(user=op, note_id=note.pk, content="洞主回复", reply_to_id=first.pk)
    comment_create(user=bob, note_id=note.pk, content="Bob 回复洞主", reply_to_id=op_reply.pk)
    comment_create(user=alice, note_id=note.pk, content="Alice 又来", reply_to_id=op_reply.pk)
    moderation.report_create(reporter=bob, target_type="comment", target_id=first.pk, reason="abuse")
    moderation.case_hide(case=Case.objects.get(target_type="comment", target_id=first.pk), moderator=staff, reason="不友善")

    seen = {user.username: every_answer(user) for user in (op, alice, bob)}
    for user, others in ((op, (alice, bob)), (alice, (op, bob)), (bob, (op, alice))):
        raw = seen[user.username]
        leaks = [token for token in identities(*others, staff) if token in raw]
        assert not leaks, (user.username, leaks)
    # And each actor is named as the thread names them.
    assert "洞主".encode() in seen["alicename"] and b"Bob" in seen["opname"] and b"Alice" in seen["opname"]
    assert b"opname" not in seen["bobname"] and b"opname" not in seen["alicename"]


def test_a_signed_note_names_its_author_as_the_thread_does(categories):
    op, alice = make_user("signedop"), make_user("alicesigned")
    note = make_note(op, anonymous=False)
    first = comment_create(user=alice, note_id=note.pk, content="你好")
    comment_create(user=op, note_id=note.pk, content="你好呀", reply_to_id=first.pk)
    [row] = token_client(alice).get_json("/api/v1/notifications").json()["results"]
    assert row["actor"] == {"display_name": "signedop"}
    assert str(op.pk).encode() not in token_client(alice).get_json("/api/v1/notifications").content
