"""Reads for the chat room: history pages and the online list."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from accounts.models import User
from accounts.serializers import user_public
from chat import events, presence
from chat.models import ChatMessage
from chat.serializers import message_public
from treehole.errors import Unavailable

logger = logging.getLogger(__name__)


def chat_history(*, before: int | None = None, after: int | None = None, limit: int | None = None) -> tuple[list[dict], bool]:
    """A page of messages, oldest first, and whether more exist beyond it.

    Without a cursor: the latest ``limit``. ``before``: the ``limit`` messages just older than
    that id (paging back). ``after``: the ``limit`` messages just newer (catching up after a
    reconnect). Served from the Redis list while the whole window lies inside it, else from the
    database — both ordered by id, so pages meet without a gap or a duplicate.
    """
    if before is not None and after is not None:
        raise ValueError("before and after are exclusive")
    limit = limit or settings.CHAT_HISTORY_LIMIT_DEFAULT
    mode = "after" if after is not None else "before" if before is not None else "latest"
    pivot = after if after is not None else before
    try:
        window = presence.recent_window(mode, pivot, limit)
        if window is None and not presence.recent_is_built():
            # Redis was emptied (restart, flush): refill it from the database, then retry.
            presence.recent_rebuild()
            window = presence.recent_window(mode, pivot, limit)
    except RedisError:
        logger.warning("Chat history: Redis unavailable, reading the database", exc_info=True)
        window = None
    if window is not None:
        return window
    return _history_from_database(mode, pivot, limit)


def _history_from_database(mode: str, pivot: int | None, limit: int) -> tuple[list[dict], bool]:
    queryset = ChatMessage.objects.select_related("user__avatar")
    if mode == "after":
        rows = list(queryset.filter(id__gt=pivot).order_by("id")[: limit + 1])
        has_more = len(rows) > limit
        rows = rows[:limit]
    else:
        if mode == "before":
            queryset = queryset.filter(id__lt=pivot)
        rows = list(queryset.order_by("-id")[: limit + 1])
        has_more = len(rows) > limit
        rows = rows[:limit]
        rows.reverse()
    return [message_public(m) for m in rows], has_more


def chat_online() -> dict:
    """``{count, users: [Public user]}`` of the distinct users with a live connection (stale
    connections of dead processes are pruned first)."""
    try:
        state = presence.presence_online()
    except RedisError:
        # Presence lives only in Redis (who has a socket open right now): no database answer.
        raise Unavailable(_("在线名单暂时不可用，请稍后再试。")) from None
    if state.changed:
        events.announce_presence(state.count, state.seq)
    users = User.objects.select_related("avatar").filter(pk__in=state.user_ids).order_by("username")
    public = [user_public(u) for u in users]
    return {"count": len(public), "users": public}
