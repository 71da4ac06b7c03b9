"""Writes for the chat room. The WebSocket consumer calls these (through
``database_sync_to_async``); nothing else writes chat rows or chat Redis keys."""

from __future__ import annotations

import logging
from functools import partial

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import ensure_can_write
from chat import events, presence
from chat.models import ChatMessage
from chat.serializers import message_public
from treehole import ratelimit
from treehole.effects import Repair, after_commit
from treehole.errors import InvalidInput, NotFound, Unauthenticated

logger = logging.getLogger(__name__)


def clean_content(content: object) -> str:
    """1–limit characters after stripping surrounding whitespace."""
    if not isinstance(content, str):
        raise InvalidInput(_("消息内容必须是文字。"), fields={"content": [_("消息内容必须是文字。")]})
    content = content.strip()
    limit = settings.TREEHOLE_LIMITS["chat_message"]
    if not content:
        raise InvalidInput(_("消息不能为空。"), fields={"content": [_("消息不能为空。")]})
    if len(content) > limit:
        message = _("消息最多 %(limit)d 个字。") % {"limit": limit}
        raise InvalidInput(message, fields={"content": [message]})
    return _screen(content)


def _screen(content: str) -> str:
    """The sensitive-word filter: blocked words refuse the message, masked ones are starred. A
    live room cannot wait for a moderator, so a word listed as "hold" refuses the message too."""
    from moderation.filters import screen_text

    result = screen_text(content, field="content")
    if result.held:
        message = _("这条消息含有需要审核的内容，不能在聊天室发送。")
        raise InvalidInput(message, fields={"content": [message]})
    return result.text


def chat_message_send(*, user_id: int, content: object, origin: str | None = None, client_id: str | None = None) -> dict:
    """Validate, check the ban and the rate limit, store; on commit the message joins the Redis
    list and is fanned out to every process. Returns the contract's Chat message."""
    content = clean_content(content)
    user = User.objects.select_related("avatar").filter(pk=user_id, is_active=True).first()
    if user is None:
        raise Unauthenticated()
    ensure_can_write(user)  # a banned user reads but cannot send (``Banned``, code "banned")
    ratelimit.enforce("chat", subject=f"u{user_id}")
    with transaction.atomic():
        message = ChatMessage.objects.create(user=user, content=content)
        _content_saved(message, user)
        payload = message_public(message)
        # The list may miss it when the push fails: the repair drops the list, and the next
        # history read merges it back from the database.
        after_commit(partial(presence.recent_push, payload), repair=Repair(presence.recent_reset))
        after_commit(partial(_broadcast, payload, origin=origin, client_id=client_id))
    return payload


def _content_saved(message: ChatMessage, user) -> None:
    """A crisis phrase puts the message at the top of the moderators' queue (nothing is blocked)."""
    from moderation.services import content_saved

    content_saved(target_type="message", target_id=message.pk, text=message.content, author=user)


def _broadcast(payload: dict, *, origin: str | None, client_id: str | None) -> None:
    """Fan a stored message out to every process (nothing to repair when it fails: the message is
    stored, and clients catch up with ``after=`` on reconnect)."""
    async_to_sync(events.broadcast)(events.message_event(payload, origin=origin, client_id=client_id))


def chat_message_delete(*, message_id: int) -> None:
    """Remove a message (moderation): the row now, its Redis entry on commit."""
    deleted, _rows = ChatMessage.objects.filter(pk=message_id).delete()
    if not deleted:
        raise NotFound()
    after_commit(partial(presence.recent_remove, message_id), repair=Repair(presence.recent_reset))


def chat_message_import(*, message_id: int, user_id: int, content: str, created_at) -> ChatMessage:
    """A message brought in from another site (``manage.py import_seed``), id and time kept. No
    fan-out and no Redis write: the importer rebuilds the recent list at the end. Call it with
    content already normalised and checked."""
    return ChatMessage.objects.create(id=message_id, user_id=user_id, content=content, created_at=created_at)
