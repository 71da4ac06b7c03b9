"""Fan-out through the channel layer: one group, ``chat``, that every consumer of every process
joins. Events carry plain JSON-able dicts (channels-redis serializes them with msgpack)."""

from __future__ import annotations

from channels.layers import get_channel_layer

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
