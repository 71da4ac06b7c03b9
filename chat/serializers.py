"""The contract's Chat message object, shared by live frames, the Redis list and the API, so a
message looks the same however a client receives it."""

from __future__ import annotations

from accounts.serializers import user_public


def message_public(message) -> dict:
    """``{id, user: Public user, content, created_at}``; ``message.user`` (with its avatar)
    should be loaded already."""
    return {
        "id": str(message.pk),
        "user": user_public(message.user),
        "content": message.content,
        "created_at": message.created_at.isoformat(),
    }
