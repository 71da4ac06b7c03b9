"""chat's part of an account deletion (the ``user_delete`` hook, accounts/deletion.py): the
messages stay in the room's history, signed by 已注销用户 (``accounts.serializers.user_public``);
the recent list in Redis, which holds them with the old name, is rebuilt on commit."""

from __future__ import annotations

from chat import presence
from chat.models import ChatMessage
from treehole.effects import Repair, after_commit


def user_delete_step(*, user) -> None:
    if ChatMessage.objects.filter(user_id=user.pk).exists():
        after_commit(recent_redo, repair=Repair(presence.recent_reset))


def recent_redo() -> None:
    from chat.services import chat_recent_rebuild

    presence.recent_reset()
    chat_recent_rebuild()
