"""chat's part of a member's data export (accounts/export.py): the messages they sent."""

from __future__ import annotations

from collections.abc import Iterator

from chat.models import ChatMessage
from treehole.streaming import keyset


def _messages(user) -> Iterator[dict]:
    for row in keyset(ChatMessage.objects.filter(user_id=user.pk).values("id", "content", "created_at")):
        yield {"id": str(row["id"]), "content": row["content"], "created_at": row["created_at"].isoformat()}


def export_sections(user) -> list:
    """The ``user_export`` hook."""
    return [("chat_messages", lambda: _messages(user))]
