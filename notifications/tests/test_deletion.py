"""An account deletion and notifications: the member's own go (and their unread count); what
others were told about the member's signed comments names 已注销用户 afterwards, their anonymous
ones keep the alias; not one byte of the old username or id in anyone's notifications."""

from __future__ import annotations

import pytest

from accounts.models import User
from comments.services import comment_create
from notifications.models import Notification
from treehole.testing import DEFAULT_PASSWORD, make_note, make_user, token_client

pytestmark = pytest.mark.django_db


def test_a_deleted_account_takes_its_notifications_and_is_no_longer_named(author, author_client):
    leaver = make_user("gone_member")
    leaver_client = token_client(leaver)
    signed = make_note(author, title="署名帖", anonymous=False)
    anonymous = make_note(author, title="匿名帖")
    theirs = make_note(leaver, title="他们的帖子")
    comment_create(user=leaver, note_id=signed.pk, content="署名评论")
    comment_create(user=leaver, note_id=anonymous.pk, content="匿名评论")
    comment_create(user=author, note_id=theirs.pk, content="给他们的评论")
    assert leaver_client.get_json("/api/v1/notifications/unread-count").json()["count"] == 1
    before = author_client.get_json("/api/v1/notifications").json()["results"]
    assert {row["actor"]["display_name"] for row in before} == {"gone_member", "Alice"}

    old = User.objects.get(pk=leaver.pk)
    assert leaver_client.delete_json("/api/v1/me", {"password": DEFAULT_PASSWORD}).status_code == 204

    assert not Notification.objects.filter(user_id=leaver.pk).exists()
    response = author_client.get_json("/api/v1/notifications")
    names = {row["note"]["title"]: row["actor"]["display_name"] for row in response.json()["results"]}
    assert names == {"署名帖": "已注销用户", "匿名帖": "Alice"}
    for secret in (old.username.encode(), str(old.pk).encode(), old.email.encode()):
        assert secret not in response.content
