"""Fan-out through the channel layer: one group, ``chat``, that every consumer of every process
joins. Events carry plain JSON-able dicts (channels-redis serializes them with msgpack)."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

GROUP = "chat"
MESSAGE_EVENT = "chat.message"
PRESENCE_EVENT = "chat.presence"


def message_event(payload: dict, *, origin: str | None = None, client_id: str | None = None) -> dict:
    """``origin`` is the sending consumer's channel name: only that consumer echoes ``client_id``."""
    return {"type": MESSAGE_EVENT, "message": payload, "origin": origin, "client_id": client_id}


def presence_event(count: int, seq: int) -> dict:
    return {"type": PRESENCE_EVENT, "count": count, "seq": seq}


async def broadcast(event: dict) -> None:
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(GROUP, event)


def announce_presence(count: int, seq: int) -> None:
    """Tell every connected client a new online count, from sync code (the online list's prune
    found a change). A failed fan-out is logged: the next change announces again."""
    try:
        async_to_sync(broadcast)(presence_event(count, seq))
    except Exception:
        logger.exception("Could not announce the chat presence count")
