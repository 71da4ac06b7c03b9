"""Live frames through the channel layer: one group per user, ``events.u<id>``, joined by every
``/ws/events/`` socket of that user on every server process (notifications/consumers.py).

Senders run in sync code after the commit (the worker's fan-out, a request marking read), and
only for users with a live ``events`` socket (``accounts.verification.sockets_alive_among``), so a
comment on a note with 10,000 followers sends frames to the few who are online, not to 10,000
empty groups. A failed send is logged and dropped: the page's next reconnect reads the count.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from accounts import verification

logger = logging.getLogger(__name__)

SOCKET_KIND = "events"
PUSH_EVENT = "events.push"


def user_group(user_id: int) -> str:
    return f"events.u{user_id}"


def alive_among(user_ids: Iterable[int]) -> set[int]:
    return verification.sockets_alive_among(kind=SOCKET_KIND, user_ids=user_ids, timeout_seconds=settings.WS_HEARTBEAT_TIMEOUT)


def send_frames(frames_by_user: dict[int, list[dict]]) -> None:
    """Send each user's frames (in order) to every socket of theirs, one group_send per user."""
    layer = get_channel_layer()
    if layer is None or not frames_by_user:
        return

    async def send_all():
        for user_id, frames in frames_by_user.items():
            try:
                await layer.group_send(user_group(user_id), {"type": PUSH_EVENT, "frames": frames})
            except Exception:  # noqa: BLE001 - a live frame is a courtesy; the count is in the database
                logger.warning("Could not send live notification frames to user %s", user_id, exc_info=True)

    async_to_sync(send_all)()
