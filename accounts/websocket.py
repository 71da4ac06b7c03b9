"""The shared base of every WebSocket (``/ws/chat/`` now, ``/ws/events/`` next): subclass
``UserSocketConsumer`` and route it in ``treehole/asgi.py``'s stack, which puts these in front::

    ExactOriginValidator -> AuthMiddlewareStack (session) -> TokenAuthMiddleware (?token=) -> URLRouter

What the base does for every subclass, so no endpoint has to remember it:

- **Auth**: the session cookie, or ``?token=<access token>`` (a present token decides: a bad or
  expired one makes the socket anonymous even with a session). Anonymous: an ``error`` frame
  (``unauthenticated`` / ``token_expired``), then close 4001.
- **Revocation**: the token version the socket was opened with is compared with the user's
  current one on *every* frame (a Redis read; the database on a miss), and a bump (password
  change or reset, log out everywhere, a ban, a refresh-token replay) also sends every open socket
  of the user a ``socket.revoke`` through the channel layer, so even a silent socket closes at
  once. A page logout does the same for the sockets opened with that session. Close 4001.
- **Per-user cap**: at most ``WS_MAX_CONNECTIONS_PER_USER`` live sockets per user and
  ``socket_kind`` across every process (a Redis sorted set scored by heartbeat, so a killed
  process's sockets stop counting after one timeout); the next gets ``rate_limited``, close 4029.
- **Frames**: text only, at most ``WS_MAX_FRAME_BYTES``, a JSON object; ``ping`` -> ``pong``
  (server epoch ms; the pings of one process within ``WS_PING_BATCH_SECONDS`` share one
  worker-thread trip, ``SocketHub.ping``); anything else goes to the subclass's ``on_frame``.
- **Heartbeat**: any frame counts; one ``SocketHub`` task per process and consumer class closes
  sockets silent for ``WS_HEARTBEAT_TIMEOUT`` with 4008.
- **Error frames are throttled** per socket (a burst, then a rate): a client streaming bad frames
  gets the first answers and the rest are dropped; the socket stays open.
- **Shared rooms**: ``fanout_join(group)`` puts the socket in its process's ``GroupFanout`` — one
  channel-layer subscription per process and group, the frame encoded once per event and written
  to every local socket (``fanout_<event type>`` classmethods), instead of a subscription, a
  wake-up and an encoding per socket. ``group_join`` stays for per-user groups.
- **Redis away** (docs/resilience.md): a channel layer that cannot subscribe leaves the socket
  open *without fan-out* (``self.fanout`` False; the client gets one ``unavailable`` error frame)
  instead of failing it with 1011; the cap and revocation fall back (allow; the database). Once a
  heartbeat finds Redis answering again, such a socket is closed with 4012 so the client
  reconnects to the full service (and catches up on what it missed).

Blocking calls never run on the event loop: Redis in a worker thread, the ORM through
``database_sync_to_async``.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import time
import uuid
import weakref
from urllib.parse import parse_qs, urlsplit

from asgiref.sync import async_to_sync, sync_to_async
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.middleware import BaseMiddleware
from channels.security.websocket import WebsocketDenier
from channels.utils import await_many_dispatch
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.request import split_domain_port, validate_host
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from accounts import verification
from treehole.errors import DomainError
from treehole.text import lone_surrogate_path

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4001  # never signed in, token bad or expired, or revoked since
CLOSE_HEARTBEAT_TIMEOUT = 4008
CLOSE_TOO_MANY = 4029  # the user has WS_MAX_CONNECTIONS_PER_USER sockets open already
CLOSE_RECONNECT = 4012  # opened while Redis was away (no fan-out); it is back: reconnect
TOUCH_EVERY_SECONDS = 1.0  # at most one heartbeat write per socket per second
REVOKE_EVENT = "socket.revoke"


def in_thread(func):
    """Run a short blocking Redis call off the event loop (any worker thread will do)."""
    return sync_to_async(func, thread_sensitive=False)


def user_group(user_id: int) -> str:
    """Every socket of a user, whatever its kind, is in this group (revocation only)."""
    return f"auth.u{user_id}"


def session_group(session_key: str) -> str:
    # The session key is a credential: only a digest of it names the group.
    return "auth.s" + hashlib.sha256(session_key.encode()).hexdigest()[:40]


# --- revocation, called from sync code (services) after the change committed --------------------


def _send_revoke(group: str, version: int | None) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": REVOKE_EVENT, "version": version})
    except Exception:  # the per-frame check still catches the socket on its next frame
        logger.warning("Could not send a socket revocation to %s", group, exc_info=True)


def sockets_revoke_user(*, user_id: int, version: int) -> None:
    """The user's token version is now ``version``: cache it (every socket's next frame sees it)
    and tell every open socket of theirs to close now. A failure to cache it is raised (after the
    send) for the on-commit helper to repair: ``verification.token_version_forget``."""
    try:
        verification.token_version_store(user_id, version)
    finally:
        _send_revoke(user_group(user_id), version)


def sockets_revoke_session(*, session_key: str | None) -> None:
    """A page session ended (logout on this device): close the sockets it opened."""
    if session_key:
        _send_revoke(session_group(session_key), None)


def token_version_current(user_id: int) -> int | None:
    """The user's token version from the database (None: gone or deactivated), cached for the
    next frame. Sync: call it through ``database_sync_to_async``."""
    from accounts.models import User

    version = User.objects.filter(pk=user_id, is_active=True).values_list("token_version", flat=True).first()
    if version is not None:
        try:
            verification.token_version_store(user_id, version)
        except RedisError:
            pass
    return version


# --- the ASGI stack ----------------------------------------------------------------------------


def _authority(scheme: str, netloc: str) -> tuple[str, str] | None:
    """(host, port) with the scheme's default port made explicit; None when malformed."""
    host, port = split_domain_port(netloc)
    if not host:
        return None
    return host, port or {"http": "80", "https": "443"}.get(scheme, "")


def origin_allowed(scope) -> bool:
    """The Origin is exactly this socket's own (host and port as requested, scheme when the server
    knows it) or listed in WS_ALLOWED_ORIGINS / CSRF_TRUSTED_ORIGINS. Channels' own validator
    compares host names only, so a page on another port of the same host passed."""
    headers = dict(scope.get("headers") or [])
    host = headers.get(b"host", b"").decode("latin-1").lower()
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    raw_origin = headers.get(b"origin")
    if raw_origin is None:
        # Browsers always send Origin on a WebSocket handshake; a client without one is a
        # program, and only a ?token= (never an ambient cookie) may authenticate it.
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        return bool(query.get("token"))
    origin = raw_origin.decode("latin-1").strip().lower()
    if origin in {o.lower().rstrip("/") for o in (*settings.WS_ALLOWED_ORIGINS, *settings.CSRF_TRUSTED_ORIGINS)}:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or parts.path not in ("", "/") or parts.query or parts.username:
        return False
    known_scheme = {"ws": "http", "wss": "https"}.get(scope.get("scheme", ""))
    if known_scheme and parts.scheme != known_scheme:
        return False
    origin_authority = _authority(parts.scheme, parts.netloc)
    return origin_authority is not None and origin_authority == _authority(parts.scheme, host)


class ExactOriginValidator:
    """Refuses (403 at the handshake) a WebSocket whose Origin is not exactly ours."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)


@database_sync_to_async
def _user_for_token(token: str):
    from accounts.tokens import user_for_access_token

    return user_for_access_token(token)


class TokenAuthMiddleware(BaseMiddleware):
    """``?token=<access token>``: browsers cannot set an Authorization header on a WebSocket.
    Sits inside ``AuthMiddlewareStack`` (which has put the session user in ``scope["user"]``)."""

    async def __call__(self, scope, receive, send):
        scope = dict(scope)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        tokens = query.get("token")
        if tokens:
            try:
                scope["user"] = await _user_for_token(tokens[0])
                scope["auth_method"] = "token"
            except DomainError as exc:
                scope["user"] = AnonymousUser()
                scope["auth_error"] = exc.code
        elif "user" in scope:
            scope["auth_method"] = "session"
        return await self.inner(scope, receive, send)


# --- the heartbeat watchdog --------------------------------------------------------------------


class SocketHub:
    """One per (event loop, hub class): wakes every WS_SWEEP_INTERVAL and closes its own sockets
    that were silent for WS_HEARTBEAT_TIMEOUT (4008). Subclasses add work to ``swept``."""

    _hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[type, SocketHub]]" = weakref.WeakKeyDictionary()

    def __init__(self):
        self.consumers: set[UserSocketConsumer] = set()
        self.task: asyncio.Task | None = None
        self.wake = asyncio.Event()
        self.pings: list[tuple[UserSocketConsumer, asyncio.Future]] = []
        self.pinging: asyncio.Task | None = None

    @classmethod
    def for_running_loop(cls) -> "SocketHub":
        hubs = cls._hubs.setdefault(asyncio.get_running_loop(), {})
        hub = hubs.get(cls)
        if hub is None:
            hub = hubs[cls] = cls()
        return hub

    def add(self, consumer: "UserSocketConsumer") -> None:
        self.consumers.add(consumer)
        if self.task is None or self.task.done():
            self.task = asyncio.ensure_future(self.run())

    def discard(self, consumer: "UserSocketConsumer") -> None:
        self.consumers.discard(consumer)
        if not self.consumers:
            self.wake.set()

    async def run(self) -> None:
        while self.consumers:
            self.wake.clear()
            try:
                await asyncio.wait_for(self.wake.wait(), timeout=settings.WS_SWEEP_INTERVAL)
            except asyncio.TimeoutError:
                pass
            if not self.consumers:
                break
            try:
                await self.check()
            except Exception:  # keep the watchdog alive whatever one round met
                logger.exception("WebSocket heartbeat check failed")

    async def check(self) -> None:
        deadline = time.monotonic() - settings.WS_HEARTBEAT_TIMEOUT
        for consumer in [c for c in self.consumers if c.last_seen < deadline]:
            await consumer.expire()
        await self.swept()

    async def swept(self) -> None:
        """After each round (chat prunes every process's stale presence here)."""

    async def ping(self, consumer: "UserSocketConsumer") -> tuple:
        """``consumer._frame_sync(True)`` for a ``ping`` frame, run in one worker-thread trip with
        the pings of this process's other sockets that arrive within WS_PING_BATCH_SECONDS. An idle
        room is all pings (each socket every 25 s: 40 a second for 1,000 sockets), and a trip to a
        worker thread per ping was most of an idle server's CPU; the pong waits for its batch."""
        future = asyncio.get_running_loop().create_future()
        self.pings.append((consumer, future))
        if self.pinging is None or self.pinging.done():
            self.pinging = asyncio.ensure_future(self._answer_pings())
        return await future

    async def _answer_pings(self) -> None:
        await asyncio.sleep(settings.WS_PING_BATCH_SECONDS)
        while self.pings:
            batch, self.pings = self.pings, []
            try:
                answers = await in_thread(_pings_sync)([consumer for consumer, _future in batch])
            except BaseException as exc:  # no socket may wait for a batch that will never answer
                answers = [(None, exc)] * len(batch)
                if not isinstance(exc, Exception):
                    for _consumer, future in batch:
                        future.cancel()
                    raise
            for (_consumer, future), (result, error) in zip(batch, answers):
                if future.done():  # the socket's task was cancelled meanwhile
                    continue
                if error is not None:
                    future.set_exception(error)
                else:
                    future.set_result(result)


def _pings_sync(consumers: list["UserSocketConsumer"]) -> list[tuple[tuple | None, BaseException | None]]:
    """In one worker thread: each socket's frame work, or the exception it raised (its own)."""
    answers = []
    for consumer in consumers:
        try:
            answers.append((consumer._frame_sync(True), None))
        except Exception as exc:  # noqa: BLE001 - handed to that socket's frame, not to the others
            answers.append((None, exc))
    return answers


# --- process-local fan-out ----------------------------------------------------------------------


class GroupFanout:
    """One channel-layer subscription per (event loop, group), shared by every socket of this
    process in the group: an event published to the group crosses Redis once per *process* and is
    handed to the local sockets here, instead of once per socket (each with its own queue, task
    wake-up, msgpack decode, handler and JSON encode).

    Delivery: for an event of type ``a.b`` the consumer class's ``fanout_a_b(event, consumers)``
    classmethod, when it has one, gets the whole local list at once — it serializes the frame once
    and writes the same text to every socket (``push_text``). Otherwise each consumer's ordinary
    handler (``a_b``) runs, so a subclass without the fast path behaves as with a per-socket group.
    Events are handled one at a time, in the order the layer delivers them."""

    _fanouts: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, str], GroupFanout]]" = (
        weakref.WeakKeyDictionary()
    )

    def __init__(self, group: str, alias: str):
        self.group, self.alias = group, alias
        self.members: dict[UserSocketConsumer, None] = {}  # an ordered set
        self.layer = None
        self.channel_name: str | None = None
        self.task: asyncio.Task | None = None
        self.refresher: asyncio.Task | None = None
        self.lock = asyncio.Lock()

    @classmethod
    def for_running_loop(cls, group: str, alias: str) -> "GroupFanout":
        fanouts = cls._fanouts.setdefault(asyncio.get_running_loop(), {})
        fanout = fanouts.get((group, alias))
        if fanout is None:
            fanout = fanouts[(group, alias)] = cls(group, alias)
        return fanout

    async def add(self, consumer: "UserSocketConsumer") -> None:
        """Raises the layer's error (Redis away) when the process's subscription cannot be made."""
        async with self.lock:
            if self.channel_name is None:
                layer = get_channel_layer(self.alias)
                if layer is None:
                    raise OSError("no channel layer")
                channel = await layer.new_channel()
                await layer.group_add(self.group, channel)
                self.layer, self.channel_name = layer, channel
                self.task = asyncio.ensure_future(self._run(layer, channel))
                self.refresher = asyncio.ensure_future(self._refresh(layer, channel))
            self.members[consumer] = None

    async def discard(self, consumer: "UserSocketConsumer") -> None:
        async with self.lock:
            self.members.pop(consumer, None)
            if self.members or self.channel_name is None:
                return
            layer, channel, task = self.layer, self.channel_name, self.task
            self.layer = self.channel_name = self.task = None
            if self.refresher is not None:
                self.refresher.cancel()
                self.refresher = None
            if task is not None:
                task.cancel()  # the layer drops the channel's subscription when its receive is cancelled
                try:
                    await task
                except BaseException:  # noqa: BLE001 - cancelled, or already failed
                    pass
            try:
                await layer.group_discard(self.group, channel)
            except Exception:  # the layer's connection may be gone; nothing to keep
                logger.warning("WebSocket fan-out: group_discard failed", exc_info=True)

    async def _refresh(self, layer, channel: str) -> None:
        """The core layer forgets a group member after its ``group_expiry`` (a day by default):
        with one channel per process that would silence the room for the whole process, so the
        membership is renewed every hour (a no-op for the pub/sub layer)."""
        while True:
            await asyncio.sleep(3600)
            try:
                await layer.group_add(self.group, channel)
            except Exception:  # noqa: BLE001 - Redis away: the next hour tries again
                logger.warning("WebSocket fan-out of %s: renewing the group failed", self.group, exc_info=True)

    async def _run(self, layer, channel: str) -> None:
        while True:
            try:
                event = await layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis away: the layer reconnects; keep listening
                logger.warning("WebSocket fan-out of %s: receive failed", self.group, exc_info=True)
                await asyncio.sleep(1)
                continue
            try:
                await self.deliver(event)
            except Exception:  # one bad event must not end the process's fan-out
                logger.exception("WebSocket fan-out of %s: delivering %r failed", self.group, event.get("type"))

    async def deliver(self, event: dict) -> None:
        members = [consumer for consumer in self.members if not consumer.closed]
        if not members:
            return
        by_class: dict[type, list] = {}
        for consumer in members:
            by_class.setdefault(type(consumer), []).append(consumer)
        name = str(event.get("type", "")).replace(".", "_")
        for klass, consumers in by_class.items():
            fast = getattr(klass, "fanout_" + name, None)
            if fast is not None:
                await fast(event, consumers)
            else:
                for consumer in consumers:
                    await consumer.dispatch(event)


# --- the consumer ------------------------------------------------------------------------------


class UserSocketConsumer(AsyncJsonWebsocketConsumer):
    """Subclass it: set ``socket_kind`` (names the per-user cap), optionally ``hub_class``, and
    implement ``on_join`` / ``on_leave`` / ``on_heartbeat`` / ``on_frame``. Send broadcast frames
    with ``push`` (a client that is going away is not an error) and errors with ``send_error``."""

    socket_kind = "socket"
    hub_class = SocketHub

    user_id: int | None = None
    token_version: int | None = None
    closed = False
    joined = False
    fanout = True  # False: the channel layer (Redis) could not take this socket
    _counted = False
    _grouped: tuple[str, ...] = ()
    _fanouts: tuple[GroupFanout, ...] = ()
    _hubbed = False
    heartbeat_result = None

    async def __call__(self, scope, receive, send):
        """Channels' ``AsyncConsumer.__call__``, except that a channel layer that cannot open a
        channel (Redis away) leaves this socket without one instead of failing it (1011)."""
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        sources = [receive]
        if self.channel_layer is not None:
            try:
                self.channel_name = await self.channel_layer.new_channel()
            except (RedisError, OSError) as exc:
                logger.warning("WebSocket without fan-out: the channel layer failed (%s)", exc.__class__.__name__)
                self.channel_layer = None
            else:
                self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
                sources.append(self.channel_receive)
        if self.channel_layer is None:
            self.fanout = False
            self.channel_name = f"local.{uuid.uuid4().hex}"  # still names the socket in presence and the cap
        self.base_send = send
        try:
            await await_many_dispatch(sources, self.dispatch)
        except StopConsumer:
            pass

    async def dispatch(self, message):
        """Channels' ``AsyncConsumer.dispatch`` without the ``aclose_old_connections()`` it awaits
        before every message: a trip to the sync thread per frame, which in an idle room of 1,000
        sockets cost about what the pings' own work did. Every ORM call of these consumers goes
        through ``database_sync_to_async``, which closes stale connections around itself."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def group_join(self, group: str) -> bool:
        """Add this socket to a group of the channel layer; False (and no fan-out) when it cannot."""
        if self.channel_layer is None:
            return False
        try:
            await self.channel_layer.group_add(group, self.channel_name)
        except (RedisError, OSError) as exc:
            logger.warning("WebSocket without fan-out: group_add failed (%s)", exc.__class__.__name__)
            self.fanout = False
            return False
        self._grouped = (*self._grouped, group)
        return True

    async def fanout_join(self, group: str) -> bool:
        """Join a group that many sockets of this process share (a room, a broadcast): through the
        process's one subscription (``GroupFanout``), not one per socket. False (and no fan-out)
        when the layer cannot take it."""
        if self.channel_layer is None:
            return False
        fanout = GroupFanout.for_running_loop(group, self.channel_layer_alias)
        try:
            await fanout.add(self)
        except (RedisError, OSError) as exc:
            logger.warning("WebSocket without fan-out: the group's subscription failed (%s)", exc.__class__.__name__)
            self.fanout = False
            return False
        self._fanouts = (*self._fanouts, fanout)
        return True

    # -- for subclasses -----------------------------------------------------------------------
    async def on_join(self) -> None:
        """The socket is authenticated, counted and watched: join groups, greet."""

    async def on_leave(self) -> None:
        """The socket closed (any reason) after ``on_join`` ran: leave groups, clean up."""

    async def on_heartbeat(self) -> None:
        """At most once a second per socket while frames arrive, after ``heartbeat_sync`` (chat
        refreshes presence there and announces a change here)."""

    async def on_frame(self, frame_type, content: dict) -> None:
        await self.send_error("invalid", _("未知的帧类型。"))

    # -- lifecycle ----------------------------------------------------------------------------
    async def connect(self):
        await self.accept()  # accepted first, so that the close code reaches the client
        now = time.monotonic()
        self.last_seen = self.last_touch = self._errors_at = now
        self._error_tokens = float(settings.WS_ERROR_FRAME_BURST)
        self.errors_dropped = 0
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            code = self.scope.get("auth_error") or "unauthenticated"
            message = _("登录已过期，请重新登录。") if code == "token_expired" else _("请先登录。")
            await self._refuse(CLOSE_UNAUTHENTICATED, code, message)
            return
        self.user_id = user.pk
        self.token_version = user.token_version
        if not await self._count():
            message = _("你同时打开的连接太多了，请关闭一些页面后再试。")
            await self._refuse(CLOSE_TOO_MANY, "rate_limited", message)
            return
        groups = [user_group(self.user_id)]
        session = self.scope.get("session")
        if self.scope.get("auth_method") == "session" and session is not None and session.session_key:
            groups.append(session_group(session.session_key))
        for group in groups:
            await self.group_join(group)
        self.hub_class.for_running_loop().add(self)
        self._hubbed = True
        # A bump that committed while we were connecting: the first check closes the socket.
        if await self._revoked():
            return
        self.joined = True
        await self.on_join()
        if not self.fanout:
            await self.send_error(
                "unavailable", _("实时推送暂时不可用：你的操作照常保存，其他人的新消息要稍后才能看到。"), throttle=False
            )

    async def disconnect(self, code):
        await self._cleanup()

    async def expire(self):
        """Close a socket that has been silent for the heartbeat timeout."""
        if self.closed:
            return
        # Cleaned up before the close goes out: whoever sees the close sees the socket gone.
        try:
            await self._cleanup()
        finally:
            await self.close(code=CLOSE_HEARTBEAT_TIMEOUT)

    async def _refuse(self, close_code: int, code: str, message: str):
        await self.send_error(code, message, throttle=False)
        try:
            await self._cleanup()
        finally:
            await self.close(code=close_code)

    async def _count(self) -> bool:
        try:
            allowed = await in_thread(verification.socket_open)(
                kind=self.socket_kind, user_id=self.user_id, channel=self.channel_name,
                cap=settings.WS_MAX_CONNECTIONS_PER_USER, timeout_seconds=settings.WS_HEARTBEAT_TIMEOUT,
            )
        except RedisError:
            logger.warning("WebSocket connection cap unavailable (Redis); allowing the socket", exc_info=True)
            return True
        self._counted = allowed
        return allowed

    async def _cleanup(self):
        self.closed = True
        if self._hubbed:
            self._hubbed = False
            self.hub_class.for_running_loop().discard(self)
        fanouts, self._fanouts = self._fanouts, ()
        for fanout in fanouts:
            await fanout.discard(self)
        groups, self._grouped = self._grouped, ()
        for group in groups:
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:  # the layer's connection may be gone; nothing to keep
                logger.warning("WebSocket: group_discard failed", exc_info=True)
        if self._counted:
            self._counted = False
            try:
                await in_thread(verification.socket_close)(kind=self.socket_kind, user_id=self.user_id, channel=self.channel_name)
            except RedisError:
                logger.warning("WebSocket: could not uncount a socket; it expires after the timeout", exc_info=True)
        if self.joined:
            self.joined = False
            await self.on_leave()

    # -- revocation ---------------------------------------------------------------------------
    async def _revoked(self) -> bool:
        """Close with 4001 when the user's token version moved since the socket opened."""
        try:
            current = await in_thread(verification.token_version_cached)(self.user_id)
        except RedisError:
            current = None
        if current is None:
            current = await database_sync_to_async(token_version_current)(self.user_id)
        if current == self.token_version:
            return False
        await self.revoke()
        return True

    async def revoke(self):
        if self.closed:
            return
        await self.send_error("token_expired", _("登录已失效，请重新登录。"), throttle=False)
        try:
            await self._cleanup()
        finally:
            await self.close(code=CLOSE_UNAUTHENTICATED)

    async def socket_revoke(self, event):
        """Channel-layer event: a token-version bump (``version``) or the end of this session."""
        version = event.get("version")
        if version is None or version > self.token_version:
            await self.revoke()

    # -- frames -------------------------------------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if self.closed or self.user_id is None:
            return
        now = time.monotonic()
        self.last_seen = now
        problem, content = self._parse(text_data)
        frame_type = content.get("type") if content is not None else None
        heartbeat = problem is None and (frame_type == "ping" or now - self.last_touch >= TOUCH_EVERY_SECONDS)
        if heartbeat:
            self.last_touch = now
        # One trip to a worker thread per frame: the revocation read, and on a heartbeat the
        # socket's touch and the subclass's ``heartbeat_sync`` (a ping every 25 s from each of
        # 1,000 sockets was three trips and three round trips each, most of an idle server's CPU).
        if frame_type == "ping" and problem is None:
            current, touched, self.heartbeat_result = await self.hub_class.for_running_loop().ping(self)
        else:
            current, touched, self.heartbeat_result = await in_thread(self._frame_sync)(heartbeat)
        if current is None:
            current = await database_sync_to_async(token_version_current)(self.user_id)
        if current != self.token_version:
            await self.revoke()
            return
        if problem is not None:
            await self.send_error(*problem)
            return
        if heartbeat:
            await self._heartbeat_done(touched)
            if self.closed:
                return
        if frame_type == "ping":
            await self.send_json({"type": "pong", "ts": time.time_ns() // 1_000_000})
        else:
            await self.on_frame(frame_type, content)

    @staticmethod
    def _parse(text_data) -> tuple[tuple[str, str] | None, dict | None]:
        """(error code and message, None) for a frame the base refuses, else (None, the object)."""
        if text_data is None:
            return ("invalid", _("只接受 JSON 文本帧。")), None
        if len(text_data.encode("utf-8", "surrogatepass")) > settings.WS_MAX_FRAME_BYTES:
            return ("payload_too_large", _("消息太长了。")), None
        try:
            content = json.loads(text_data)
        except ValueError:
            return ("invalid", _("帧不是有效的 JSON。")), None
        if not isinstance(content, dict):
            return ("invalid", _("帧必须是 JSON 对象。")), None
        if lone_surrogate_path(content) is not None:  # unstorable, and unsendable back as UTF-8
            return ("invalid", _("帧里有无法保存的字符（不成对的 UTF-16 代理项）。")), None
        return None, content

    def _frame_sync(self, heartbeat: bool):
        """In a worker thread: the cached token version (None: ask the database), and on a
        heartbeat whether the touch reached Redis and what ``heartbeat_sync`` returned."""
        try:
            current = verification.token_version_cached(self.user_id)
        except RedisError:
            current = None
        if not heartbeat:
            return current, None, None
        try:
            verification.socket_touch(
                kind=self.socket_kind, user_id=self.user_id, channel=self.channel_name,
                timeout_seconds=settings.WS_HEARTBEAT_TIMEOUT,
            )
            touched = True
        except RedisError:
            touched = False
        return current, touched, self.heartbeat_sync()

    def heartbeat_sync(self):
        """Blocking heartbeat work of a subclass (a Redis call), run in the same worker thread as
        the base's own; its result is ``self.heartbeat_result`` when ``on_heartbeat`` runs. It
        must not raise (catch RedisError and return something that says so)."""
        return None

    async def _heartbeat_done(self, touched: bool):
        if touched:
            self._counted = True
            if not self.fanout:  # Redis answers again: come back with fan-out
                try:
                    await self._cleanup()
                finally:
                    await self.close(code=CLOSE_RECONNECT)
                return
        else:
            logger.warning("WebSocket heartbeat: Redis unavailable (%s)", self.socket_kind)
        await self.on_heartbeat()

    # -- sending ------------------------------------------------------------------------------
    async def push(self, frame: dict):
        """Send a broadcast frame. The client may have gone a moment ago (its disconnect is still
        on its way to us): that is not an error of this socket's, so it must not crash it."""
        if self.closed:
            return
        try:
            await self.send_json(frame)
        except Exception:  # daphne/autobahn: "Attempt to send on a closed protocol"
            logger.debug("WebSocket: dropped a frame for a socket that is closing", exc_info=True)
            self.closed = True

    async def push_text(self, text: str):
        """``push`` of a frame already encoded (``encode_frame``): the fan-out encodes a broadcast
        once and hands every local socket the same text."""
        if self.closed:
            return
        try:
            await self.base_send({"type": "websocket.send", "text": text})
        except Exception:  # daphne/autobahn: "Attempt to send on a closed protocol"
            logger.debug("WebSocket: dropped a frame for a socket that is closing", exc_info=True)
            self.closed = True

    def _error_allowed(self) -> bool:
        now = time.monotonic()
        burst = float(settings.WS_ERROR_FRAME_BURST)
        self._error_tokens = min(burst, self._error_tokens + (now - self._errors_at) * settings.WS_ERROR_FRAMES_PER_SECOND)
        self._errors_at = now
        if self._error_tokens >= 1:
            self._error_tokens -= 1
            return True
        self.errors_dropped += 1
        return False

    async def send_error(self, code: str, message: str, *, throttle: bool = True, client_id=None, retry_after=None):
        """``{"type": "error", code, message}`` (+ ``client_id``, + ``retry_after`` for a rate
        limit). Throttled per socket, so bad frames cannot make the server write without end."""
        if throttle and not self._error_allowed():
            return
        frame = {"type": "error", "code": code, "message": str(message)}
        if client_id is not None:
            frame["client_id"] = client_id
        if retry_after is not None and code == "rate_limited":
            frame["retry_after"] = round(retry_after, 3)
        await self.push(frame)

    @staticmethod
    def encode_frame(content) -> str:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    async def encode_json(cls, content):
        return cls.encode_frame(content)
