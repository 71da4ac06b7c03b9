"""Chat messages as a moderation target kind (registered in ``ChatConfig.ready``): hiding or
deleting one removes the row and, on commit, its entry in the Redis history."""

from __future__ import annotations

from chat.services import chat_message_delete
from moderation.targets import ModelTarget


def _delete(message, **_):
    chat_message_delete(message_id=message.pk)


MESSAGE_TARGET = ModelTarget(
    "message", "chat.ChatMessage", author_field="user", hide_service=_delete, delete_service=_delete,
    select_related=("user",),
)
