"""``/ws/events/``: a user's live notifications and unread count, on every open tab.

A thin consumer on the shared base (``accounts/websocket.py``: auth by session or ``?token=``,
revocation on every frame, the per-user cap, ping/pong, heartbeat close 4008, throttled error
frames, no fan-out while Redis is away). Each socket joins its user's group ``events.u<id>``;
senders (``notifications.events``) push ``notification`` and ``unread`` frames there after their
commit, and channels-redis carries them to every server process. On joining, the socket gets
``{"type": "unread", "count": N}`` so a page (or a reconnect) starts from the truth.
"""

from __future__ import annotations

from channels.db import database_sync_to_async

from accounts.websocket import UserSocketConsumer
from notifications import events


def _count(user_id: int) -> int:
    from notifications.selectors import notification_unread_count

    return notification_unread_count(user_id=user_id)


class EventsConsumer(UserSocketConsumer):
    socket_kind = events.SOCKET_KIND

    async def on_join(self) -> None:
        await self.group_join(events.user_group(self.user_id))
        # The cache-aside read may fall back to one COUNT: off the event loop.
        count = await database_sync_to_async(_count)(self.user_id)
        await self.push({"type": "unread", "count": count})

    async def events_push(self, event: dict) -> None:
        """Channel-layer event from ``notifications.events.send_frames``."""
        for frame in event.get("frames", ()):
            await self.push(frame)

