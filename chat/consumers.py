"""The chat WebSocket (``/ws/chat/``), following the Chat part of ``../shared/API.md``.

A thin consumer on the shared base (``accounts/websocket.py``: auth, revocation on every frame,
the per-user cap, frame checks, ping/pong, heartbeat close 4008, throttled error frames). It adds
the room: writes go through ``chat.services`` (inside ``database_sync_to_async``) and Redis through
``chat.presence`` (in a worker thread), so the event loop never blocks on SQL.

Liveness: any frame refreshes the socket's presence score in Redis (at most once a second). The
chat's ``SocketHub`` (one per process) closes its own silent sockets and then prunes *every*
process's stale presence entries — so a process killed with SIGKILL, which cleans nothing up,
loses its users within one timeout (plus one sweep interval) as long as any other process, or a
call to ``GET /api/v1/chat/online``, is alive.
"""

from __future__ import annotations

import asyncio
import logging

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from accounts.websocket import CLOSE_HEARTBEAT_TIMEOUT, CLOSE_UNAUTHENTICATED, SocketHub, UserSocketConsumer, in_thread
from chat import events, presence, services
from moderation.care import care_for_text
from treehole.errors import DomainError
from treehole.redis import is_unavailable as redis_unavailable
from treehole.text import TextKind, normalize_text

logger = logging.getLogger(__name__)

__all__ = ["ChatConsumer", "CLOSE_HEARTBEAT_TIMEOUT", "CLOSE_UNAUTHENTICATED"]

CLIENT_ID_MAX = 100


class ChatHub(SocketHub):
    """The heartbeat watchdog of this process's chat sockets, plus the presence sweep and the
    throttled presence announcements."""

    def __init__(self):
        super().__init__()
        self.announcer: asyncio.Task | None = None
        self.announce_pending = False

    def announce(self) -> None:
        """Tell everyone the online count changed. The first change goes out at once; changes
        within the next CHAT_PRESENCE_THROTTLE seconds are folded into one frame carrying the
        latest count, so 200 people reconnecting after a deploy cost a few broadcasts, not 200
        (each of which every client would receive)."""
        self.announce_pending = True
        if self.announcer is None or self.announcer.done():
            self.announcer = asyncio.ensure_future(self._announce())

    async def _announce(self) -> None:
        while self.announce_pending:
            self.announce_pending = False
            try:
                state = await in_thread(presence.presence_state)()
                await events.broadcast(events.presence_event(state.count, state.seq))
            except Exception:
                logger.warning("Chat: could not announce the presence count", exc_info=True)
            await asyncio.sleep(settings.CHAT_PRESENCE_THROTTLE)

    async def swept(self) -> None:
        try:
            state = await in_thread(presence.presence_sweep)()
        except RedisError:
            logger.warning("Chat presence sweep: Redis unavailable", exc_info=True)
            return
        if state.changed:
            self.announce()


class ChatConsumer(UserSocketConsumer):
    socket_kind = "chat"
    hub_class = ChatHub
    in_presence = False
    presence_seq = 0

    def _hub(self) -> ChatHub:
        return ChatHub.for_running_loop()

    async def on_join(self):
        if settings.CHAT_LOCAL_FANOUT:
            await self.fanout_join(events.GROUP)  # the process's one subscription; left by the base's cleanup
        else:
            await self.group_join(events.GROUP)
        try:
            state = await in_thread(presence.presence_join)(user_id=self.user_id, connection_id=self.channel_name)
        except RedisError:
            logger.warning("Chat presence unavailable (join): Redis failed")
            return
        self.in_presence = True
        # The newcomer learns the count at once; the others only when it changed.
        await self._send_presence(state.count, state.seq)
        if state.changed:
            self._hub().announce()

    async def on_leave(self):
        if not self.in_presence:
            return
        self.in_presence = False
        try:
            state = await in_thread(presence.presence_leave)(user_id=self.user_id, connection_id=self.channel_name)
        except RedisError:
            logger.warning("Chat presence unavailable (leave); the sweep will prune it")
            return
        if state.changed:
            self._hub().announce()

    def heartbeat_sync(self):
        """In the base's worker thread, with its own touch: refresh this socket's presence (which
        also (re)joins a socket that Redis had lost or never got: it was down at connect)."""
        try:
            state = presence.presence_touch(user_id=self.user_id, connection_id=self.channel_name)
            self.in_presence = True  # so that a revocation found on this frame also leaves it
            return state
        except RedisError:
            logger.warning("Chat presence unavailable (heartbeat)", exc_info=True)
            return None

    async def on_heartbeat(self):
        state = self.heartbeat_result
        if state is None:
            return
        if self.closed:  # expired by the hub meanwhile: undo the touch
            try:
                state = await in_thread(presence.presence_leave)(user_id=self.user_id, connection_id=self.channel_name)
            except RedisError:
                logger.warning("Chat presence unavailable (heartbeat)", exc_info=True)
                return
        if state.changed:  # this connection had been pruned, or the sweep pruned others
            self._hub().announce()

    async def on_frame(self, frame_type, content: dict):
        if frame_type == "message":
            await self._message(content)
        else:
            await self.send_error("invalid", _("未知的帧类型。"))

    async def _message(self, content: dict):
        client_id = content.get("client_id")
        if client_id is not None and (not isinstance(client_id, str) or len(client_id) > CLIENT_ID_MAX):
            await self.send_error("invalid", _("client_id 必须是不超过 %(max)d 个字符的字符串。") % {"max": CLIENT_ID_MAX})
            return
        text = content.get("content")
        if isinstance(text, str):
            text = normalize_text(text, kind=TextKind.PROSE)  # the base refused lone surrogates
        try:
            message = await database_sync_to_async(services.chat_message_send)(
                user_id=self.user_id,
                content=text,
                origin=self.channel_name,
                client_id=client_id,
            )
        except DomainError as exc:
            await self.send_error(exc.code, exc.message, client_id=client_id, retry_after=exc.retry_after)
            return
        if not self.fanout or redis_unavailable():
            # Stored, but the fan-out cannot reach even this socket: the sender sees their own
            # message (the others catch up with ``after=`` when they reconnect).
            echo = {"type": "message", "message": message}
            if client_id is not None:
                echo["client_id"] = client_id
            await self.push(echo)
        card = await database_sync_to_async(care_for_text)(message["content"])
        if card is not None:
            # Only to the writer: the room goes on, the writer sees where help is (nothing blocked).
            frame = {"type": "care", "card": {"title": card.title, "body": card.body, "hotlines": card.hotlines}}
            if client_id is not None:
                frame["client_id"] = client_id
            await self.send_json(frame)

    # -- events from the channel layer ----------------------------------------------------------
    # The room's events reach this process once (accounts.websocket.GroupFanout) and go to all of
    # its sockets from here: the frame is encoded once per message, not once per recipient.
    @classmethod
    async def fanout_chat_message(cls, event, consumers):
        text = cls.encode_frame({"type": "message", "message": event["message"]})
        origin, client_id = event.get("origin"), event.get("client_id")
        own = None
        if origin is not None and client_id is not None:
            own = cls.encode_frame({"type": "message", "message": event["message"], "client_id": client_id})
        for consumer in consumers:
            await consumer.push_text(own if own is not None and consumer.channel_name == origin else text)

    @classmethod
    async def fanout_chat_presence(cls, event, consumers):
        seq = event["seq"]
        text = cls.encode_frame({"type": "presence", "count": event["count"]})
        for consumer in consumers:
            # Announcements from several processes can cross in flight: never an older count.
            if seq > consumer.presence_seq and not consumer.closed:
                consumer.presence_seq = seq
                await consumer.push_text(text)

    async def chat_message(self, event):
        frame = {"type": "message", "message": event["message"]}
        if event.get("origin") == self.channel_name and event.get("client_id") is not None:
            frame["client_id"] = event["client_id"]
        await self.push(frame)

    async def chat_presence(self, event):
        await self._send_presence(event["count"], event["seq"])

    async def _send_presence(self, count: int, seq: int):
        # Announcements from several processes can cross in flight: never show an older count.
        if seq <= self.presence_seq or self.closed:
            return
        self.presence_seq = seq
        await self.push({"type": "presence", "count": count})
