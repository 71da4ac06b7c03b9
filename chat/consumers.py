"""The chat WebSocket (``/ws/chat/``), following the Chat part of ``../shared/API.md``.

A thin ``AsyncJsonWebsocketConsumer``: it parses frames and answers; writes go through
``chat.services`` (inside ``database_sync_to_async``) and Redis through ``chat.presence``
(in a worker thread), so the event loop never blocks on SQL.

Liveness has two halves. The client pings (every 25 s); any frame counts as a heartbeat and
refreshes the connection's score in Redis. Server side, one ``_Hub`` task per process wakes
every ``CHAT_SWEEP_INTERVAL`` seconds, closes its own connections that were silent for
``CHAT_HEARTBEAT_TIMEOUT`` with 4008, and prunes *every* process's stale presence entries — so a
process killed with SIGKILL, which cleans nothing up, loses its users within one timeout (plus
one interval) as long as any other process, or a call to ``GET /api/v1/chat/online``, is alive.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from chat import events, presence, services
from treehole.errors import DomainError

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4001
CLOSE_HEARTBEAT_TIMEOUT = 4008
CLIENT_ID_MAX = 100
TOUCH_EVERY_SECONDS = 1.0  # at most one presence write per connection per second


def _in_thread(func):
    """Run a short blocking Redis call off the event loop (any worker thread will do)."""
    return sync_to_async(func, thread_sensitive=False)


class ChatConsumer(AsyncJsonWebsocketConsumer):
    user_id: int | None = None
    joined = False
    closed = False
    presence_seq = 0

    # -- connection lifecycle -------------------------------------------------------------------
    async def connect(self):
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            code = self.scope.get("auth_error") or "unauthenticated"
            message = _("登录已过期，请重新登录。") if code == "token_expired" else _("请先登录。")
            await self.send_error(code, message)
            self.closed = True
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user_id = user.pk
        self.last_seen = self.last_touch = time.monotonic()
        await self.channel_layer.group_add(events.GROUP, self.channel_name)
        _Hub.for_running_loop().add(self)
        try:
            state = await _in_thread(presence.presence_join)(user_id=self.user_id, connection_id=self.channel_name)
        except RedisError:
            logger.exception("Chat presence unavailable (join)")
            return
        self.joined = True
        # The newcomer learns the count at once; the others only when it changed.
        await self._send_presence(state.count, state.seq)
        if state.changed:
            _Hub.for_running_loop().announce()

    async def disconnect(self, code):
        await self._cleanup()

    async def expire(self):
        """Close a connection that has been silent for the heartbeat timeout."""
        if self.closed:
            return
        self.closed = True
        try:
            await self.close(code=CLOSE_HEARTBEAT_TIMEOUT)
        finally:
            await self._cleanup()

    async def _cleanup(self):
        self.closed = True
        if self.user_id is None:
            return
        _Hub.for_running_loop().discard(self)
        try:
            await self.channel_layer.group_discard(events.GROUP, self.channel_name)
        except Exception:  # the layer's connection may be gone; nothing to keep
            logger.warning("Chat: group_discard failed", exc_info=True)
        if not self.joined:
            return
        self.joined = False
        try:
            state = await _in_thread(presence.presence_leave)(user_id=self.user_id, connection_id=self.channel_name)
        except RedisError:
            logger.exception("Chat presence unavailable (leave); the sweep will prune it")
            return
        if state.changed:
            _Hub.for_running_loop().announce()

    # -- frames from the client -----------------------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if self.closed or self.user_id is None:
            return
        now = time.monotonic()
        self.last_seen = now
        if text_data is None:
            await self.send_error("invalid", _("只接受 JSON 文本帧。"))
            return
        if len(text_data.encode("utf-8", "surrogatepass")) > settings.CHAT_MAX_FRAME_BYTES:
            await self.send_error("payload_too_large", _("消息太长了。"))
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self.send_error("invalid", _("帧不是有效的 JSON。"))
            return
        if not isinstance(content, dict):
            await self.send_error("invalid", _("帧必须是 JSON 对象。"))
            return
        frame_type = content.get("type")
        if frame_type == "ping" or now - self.last_touch >= TOUCH_EVERY_SECONDS:
            await self._heartbeat(now)
        if frame_type == "ping":
            await self.send_json({"type": "pong", "ts": time.time_ns() // 1_000_000})
        elif frame_type == "message":
            await self._message(content)
        else:
            await self.send_error("invalid", _("未知的帧类型。"))

    async def _heartbeat(self, now: float):
        self.last_touch = now
        member = {"user_id": self.user_id, "connection_id": self.channel_name}
        try:
            # Also (re)joins a socket that Redis had lost or never got (it was down at connect).
            state = await _in_thread(presence.presence_touch)(**member)
            if self.closed:  # expired by the hub meanwhile: undo the touch
                state = await _in_thread(presence.presence_leave)(**member)
        except RedisError:
            logger.warning("Chat presence unavailable (heartbeat)", exc_info=True)
            return
        if not self.closed:
            self.joined = True
        if state.changed:  # this connection had been pruned, or the sweep pruned others
            _Hub.for_running_loop().announce()

    async def _message(self, content: dict):
        client_id = content.get("client_id")
        if client_id is not None and (not isinstance(client_id, str) or len(client_id) > CLIENT_ID_MAX):
            await self.send_error("invalid", _("client_id 必须是不超过 %(max)d 个字符的字符串。") % {"max": CLIENT_ID_MAX})
            return
        try:
            await database_sync_to_async(services.chat_message_send)(
                user_id=self.user_id,
                content=content.get("content"),
                origin=self.channel_name,
                client_id=client_id,
            )
        except DomainError as exc:
            await self.send_error(exc.code, exc.message, client_id=client_id, retry_after=exc.retry_after)

    # -- events from the channel layer ----------------------------------------------------------
    async def chat_message(self, event):
        frame = {"type": "message", "message": event["message"]}
        if event.get("origin") == self.channel_name and event.get("client_id") is not None:
            frame["client_id"] = event["client_id"]
        await self._push(frame)

    async def chat_presence(self, event):
        await self._send_presence(event["count"], event["seq"])

    # -- helpers --------------------------------------------------------------------------------
    async def _send_presence(self, count: int, seq: int):
        # Announcements from several processes can cross in flight: never show an older count.
        if seq <= self.presence_seq or self.closed:
            return
        self.presence_seq = seq
        await self._push({"type": "presence", "count": count})

    async def _push(self, frame: dict):
        """Send a broadcast frame. The client may have gone a moment ago (its disconnect is still
        on its way to us): that is not an error of this connection's, so it must not crash it."""
        if self.closed:
            return
        try:
            await self.send_json(frame)
        except Exception:  # daphne/autobahn: "Attempt to send on a closed protocol"
            logger.debug("Chat: dropped a frame for a connection that is closing", exc_info=True)
            self.closed = True

    async def send_error(self, code: str, message: str, *, client_id=None, retry_after=None):
        frame = {"type": "error", "code": code, "message": str(message)}
        if client_id is not None:
            frame["client_id"] = client_id
        if retry_after is not None and code == "rate_limited":
            frame["retry_after"] = round(retry_after, 3)
        await self.send_json(frame)

    @classmethod
    async def encode_json(cls, content):
        return json.dumps(content, ensure_ascii=False, separators=(",", ":"))


class _Hub:
    """One per event loop (a daphne process has one): the server-side heartbeat check."""

    _hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Hub]" = weakref.WeakKeyDictionary()

    def __init__(self):
        self.consumers: set[ChatConsumer] = set()
        self.task: asyncio.Task | None = None
        self.wake = asyncio.Event()
        self.announcer: asyncio.Task | None = None
        self.announce_pending = False

    @classmethod
    def for_running_loop(cls) -> "_Hub":
        loop = asyncio.get_running_loop()
        hub = cls._hubs.get(loop)
        if hub is None:
            hub = cls._hubs[loop] = cls()
        return hub

    def add(self, consumer: ChatConsumer) -> None:
        self.consumers.add(consumer)
        if self.task is None or self.task.done():
            self.task = asyncio.ensure_future(self.run())

    def discard(self, consumer: ChatConsumer) -> None:
        self.consumers.discard(consumer)
        if not self.consumers:
            self.wake.set()

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
                state = await _in_thread(presence.presence_state)()
                await events.broadcast(events.presence_event(state.count, state.seq))
            except Exception:
                logger.warning("Chat: could not announce the presence count", exc_info=True)
            await asyncio.sleep(settings.CHAT_PRESENCE_THROTTLE)

    async def run(self) -> None:
        while self.consumers:
            self.wake.clear()
            try:
                await asyncio.wait_for(self.wake.wait(), timeout=settings.CHAT_SWEEP_INTERVAL)
            except asyncio.TimeoutError:
                pass
            if not self.consumers:
                break
            try:
                await self.check()
            except Exception:  # keep the watchdog alive whatever one round met
                logger.exception("Chat heartbeat check failed")

    async def check(self) -> None:
        deadline = time.monotonic() - settings.CHAT_HEARTBEAT_TIMEOUT
        for consumer in [c for c in self.consumers if c.last_seen < deadline]:
            await consumer.expire()
        try:
            state = await _in_thread(presence.presence_sweep)()
        except RedisError:
            logger.warning("Chat presence sweep: Redis unavailable", exc_info=True)
            return
        if state.changed:
            self.announce()
