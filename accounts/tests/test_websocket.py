"""The shared WebSocket base (accounts/websocket.py) through the real ASGI stack (exact origin
check, session and ``?token=`` auth), the real channels-redis layer and Redis: revocation on
every frame and by channel-layer message, the per-user connection cap, the error-frame throttle,
the heartbeat close and the exact origin check. ``/ws/chat/`` is built on it (chat/tests)."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from asgiref.sync import sync_to_async
from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.urls import path

from accounts import verification
from accounts.tokens import issue_pair
from accounts.websocket import ExactOriginValidator, TokenAuthMiddleware, UserSocketConsumer
from treehole.testing import DEFAULT_PASSWORD, ApiClient, make_user

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "another-Secret-42x"


class ProbeConsumer(UserSocketConsumer):
    """The smallest endpoint on the base: says hello when joined, echoes ``echo`` frames."""

    socket_kind = "probe"

    async def on_join(self):
        await self.send_json({"type": "hello", "user": str(self.user_id)})

    async def on_frame(self, frame_type, content):
        if frame_type == "echo":
            await self.send_json({"type": "echo", "text": content.get("text")})
        else:
            await super().on_frame(frame_type, content)


application = ExactOriginValidator(
    AuthMiddlewareStack(TokenAuthMiddleware(URLRouter([path("ws/probe/", ProbeConsumer.as_asgi())])))
)


def signed_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def probe(*, client: Client | None = None, token: str | None = None, origin: str | None = "http://testserver",
          host: str = "testserver", app=application, path_: str = "/ws/probe/") -> WebsocketCommunicator:
    headers = [(b"host", host.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    if client is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()))
    return WebsocketCommunicator(app, path_ + (f"?token={token}" if token is not None else ""), headers=headers)


async def joined(comm) -> dict:
    connected, _ = await comm.connect(timeout=5)
    assert connected
    hello = await comm.receive_json_from(timeout=5)
    assert hello["type"] == "hello", hello
    return hello


async def closed_with(comm, code: int, *, error: str | None = None, timeout: float = 5) -> list[dict]:
    """Read until the close; assert its code (and that an error frame with ``error`` came first)."""
    frames = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        output = await comm.receive_output(timeout=max(0.05, deadline - loop.time()))
        if output["type"] == "websocket.close":
            assert output.get("code") == code, (output, frames)
            break
        frames.append(json.loads(output["text"]))
    if error is not None:
        assert [f.get("code") for f in frames if f["type"] == "error"] == [error], frames
    return frames


async def still_open(comm) -> None:
    await comm.send_to(text_data='{"type": "ping"}')
    assert (await comm.receive_json_from(timeout=5))["type"] == "pong"


@pytest.fixture
def alice(transactional_db):
    return make_user("walice", email="walice@example.com")


@pytest.fixture
def bob(transactional_db):
    return make_user("wbob", email="wbob@example.com")


# -- revocation -------------------------------------------------------------------------------------


async def test_log_out_everywhere_closes_every_open_socket_at_once(alice):
    page = await sync_to_async(signed_in_client)(alice)
    by_session = probe(client=page)
    by_token = probe(token=(await sync_to_async(issue_pair)(alice))["access"])
    await joined(by_session)
    await joined(by_token)

    response = await sync_to_async(page.post)("/accounts/logout/everywhere/")
    assert response.status_code == 302
    # Neither socket sends anything: the revocation message closes them.
    await closed_with(by_session, 4001, error="token_expired")
    await closed_with(by_token, 4001, error="token_expired")


async def test_a_revoked_token_is_refused_on_the_next_frame_even_if_the_message_was_lost(alice):
    comm = probe(token=(await sync_to_async(issue_pair)(alice))["access"])
    await joined(comm)
    await still_open(comm)
    # As after a bump whose channel-layer message never arrived: only the version moved.
    await sync_to_async(verification.token_version_store)(alice.pk, alice.token_version + 1)
    await comm.send_to(text_data='{"type": "echo", "text": "still me?"}')
    await closed_with(comm, 4001, error="token_expired")


async def test_password_change_closes_sockets_of_the_old_password(alice):
    api = ApiClient(token=(await sync_to_async(issue_pair)(alice))["access"])
    comm = probe(token=api.token)
    await joined(comm)
    response = await sync_to_async(api.post_json)(
        "/api/v1/me/password", {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 200, response.content
    await closed_with(comm, 4001, error="token_expired")
    # The new token opens a socket again.
    await joined(probe(token=response.json()["access"]))


async def test_password_reset_closes_sockets(alice):
    from django.core import mail

    comm = probe(client=await sync_to_async(signed_in_client)(alice))
    await joined(comm)
    api = ApiClient()
    sent = await sync_to_async(api.post_json)("/api/v1/auth/email-code", {"email": alice.email, "purpose": "reset_password"})
    assert sent.status_code == 202
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].subject + mail.outbox[-1].body).group(1)
    reset = await sync_to_async(api.post_json)(
        "/api/v1/auth/password-reset", {"email": alice.email, "code": code, "new_password": NEW_PASSWORD}
    )
    assert reset.status_code == 200, reset.content
    await closed_with(comm, 4001, error="token_expired")


async def test_a_ban_closes_the_users_sockets_and_not_others(alice, bob):
    from accounts.services import user_ban

    mine = probe(token=(await sync_to_async(issue_pair)(alice))["access"])
    theirs = probe(token=(await sync_to_async(issue_pair)(bob))["access"])
    await joined(mine)
    await joined(theirs)
    await sync_to_async(user_ban)(user=alice, until=None)
    await closed_with(mine, 4001, error="token_expired")
    await still_open(theirs)
    await theirs.disconnect()


async def test_a_page_logout_closes_the_sockets_of_that_session_only(alice):
    page = await sync_to_async(signed_in_client)(alice)
    other_device = await sync_to_async(signed_in_client)(alice)
    this_session = probe(client=page)
    other_session = probe(client=other_device)
    by_token = probe(token=(await sync_to_async(issue_pair)(alice))["access"])
    for comm in (this_session, other_session, by_token):
        await joined(comm)
    assert (await sync_to_async(page.post)("/accounts/logout/")).status_code == 302
    await closed_with(this_session, 4001, error="token_expired")
    await still_open(other_session)
    await still_open(by_token)
    await other_session.disconnect()
    await by_token.disconnect()


async def test_a_deleted_or_deactivated_user_is_closed_on_the_next_frame(alice):
    comm = probe(token=(await sync_to_async(issue_pair)(alice))["access"])
    await joined(comm)
    await sync_to_async(verification.get_redis().flushdb)()  # nothing cached: the database decides
    alice.is_active = False
    await alice.asave(update_fields=["is_active"])
    await comm.send_to(text_data='{"type": "ping"}')
    await closed_with(comm, 4001, error="token_expired")


# -- the per-user connection cap ------------------------------------------------------------------


async def test_connections_per_user_are_capped(alice, bob, settings):
    settings.WS_MAX_CONNECTIONS_PER_USER = 2
    token = (await sync_to_async(issue_pair)(alice))["access"]
    first, second = probe(token=token), probe(client=await sync_to_async(signed_in_client)(alice))
    await joined(first)
    await joined(second)

    third = probe(token=token)
    connected, _ = await third.connect(timeout=5)
    assert connected  # accepted so that the reason and the close code reach the client
    frames = await closed_with(third, 4029, error="rate_limited")
    assert frames[0]["message"]

    # Another user is not affected, and closing one socket frees a place.
    await joined(probe(token=(await sync_to_async(issue_pair)(bob))["access"]))
    await first.disconnect()
    await joined(probe(token=token))
    await still_open(second)


async def test_sockets_of_a_dead_process_stop_counting_after_the_heartbeat_timeout(alice, settings):
    settings.WS_MAX_CONNECTIONS_PER_USER = 2
    redis = verification.get_redis()
    stale_key = verification._sockets_key("probe", alice.pk)
    # Two sockets of a process killed long ago (last heartbeat at the epoch) ...
    await sync_to_async(redis.zadd)(stale_key, {"dead.process!a": 0, "dead.process!b": 0})
    # ... do not use up the cap.
    comm = probe(token=(await sync_to_async(issue_pair)(alice))["access"])
    await joined(comm)
    assert await sync_to_async(redis.zcard)(stale_key) == 1
    await comm.disconnect()
    assert await sync_to_async(redis.zcard)(stale_key) == 0


# -- error frames ---------------------------------------------------------------------------------


async def test_error_frames_are_throttled_and_the_socket_stays_open(alice, settings):
    settings.WS_ERROR_FRAME_BURST = 3
    settings.WS_ERROR_FRAMES_PER_SECOND = 0.001
    comm = probe(token=(await sync_to_async(issue_pair)(alice))["access"])
    await joined(comm)
    for _ in range(20):
        await comm.send_to(text_data="{not json")
    await comm.send_to(text_data='{"type": "echo", "text": "after"}')
    frames = []
    while True:
        frame = await comm.receive_json_from(timeout=5)
        if frame["type"] == "echo":
            break
        frames.append(frame)
    assert [f["code"] for f in frames] == ["invalid"] * 3
    assert frame == {"type": "echo", "text": "after"}
    await comm.disconnect()


async def test_unknown_frames_and_oversized_frames(alice, settings):
    comm = probe(token=(await sync_to_async(issue_pair)(alice))["access"])
    await joined(comm)
    await comm.send_to(text_data='{"type": "dance"}')
    assert (await comm.receive_json_from(timeout=5))["code"] == "invalid"
    await comm.send_to(text_data=json.dumps({"type": "echo", "text": "x" * settings.WS_MAX_FRAME_BYTES}))
    assert (await comm.receive_json_from(timeout=5))["code"] == "payload_too_large"
    await comm.send_to(bytes_data=b"\x00")
    assert (await comm.receive_json_from(timeout=5))["code"] == "invalid"
    await still_open(comm)
    await comm.disconnect()


async def test_a_silent_socket_is_closed_with_4008(alice, settings):
    settings.WS_HEARTBEAT_TIMEOUT = 0.5
    settings.WS_SWEEP_INTERVAL = 0.1
    comm = probe(token=(await sync_to_async(issue_pair)(alice))["access"])
    await joined(comm)
    await closed_with(comm, 4008)
    assert await sync_to_async(verification.get_redis().zcard)(verification._sockets_key("probe", alice.pk)) == 0


async def test_anonymous_sockets_are_closed_with_4001(transactional_db):
    comm = probe()
    connected, _ = await comm.connect(timeout=5)
    assert connected
    await closed_with(comm, 4001, error="unauthenticated")
    comm = probe(token="not-a-jwt")
    await comm.connect(timeout=5)
    await closed_with(comm, 4001, error="unauthenticated")


# -- the exact origin check -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "host,origin,allowed",
    [
        ("testserver", "http://testserver", True),
        ("testserver", "http://testserver:80", True),
        ("testserver", "http://testserver:8666", False),  # another port of the same host
        ("testserver:8000", "http://testserver:8000", True),
        ("testserver:8000", "http://testserver", False),
        ("testserver:8000", "http://testserver:8001", False),
        ("testserver", "https://testserver:80", False),
        ("testserver", "http://evil.example", False),
        ("testserver", "http://testserver.evil.example", False),
        ("testserver", "null", False),
        ("evil.example", "http://evil.example", False),  # not one of ALLOWED_HOSTS
        ("testserver", "http://app.example:8443", True),  # listed in WS_ALLOWED_ORIGINS
        ("testserver", "https://app.example:8443", False),
    ],
)
async def test_the_origin_must_match_exactly(alice, settings, host, origin, allowed):
    settings.WS_ALLOWED_ORIGINS = ["http://app.example:8443"]
    comm = probe(token=(await sync_to_async(issue_pair)(alice))["access"], host=host, origin=origin)
    connected, _ = await comm.connect(timeout=5)
    assert connected is allowed
    await comm.disconnect()


async def test_the_scheme_must_match_when_the_server_knows_it(alice):
    token = (await sync_to_async(issue_pair)(alice))["access"]
    for origin, allowed in (("https://testserver", True), ("http://testserver", False)):
        comm = probe(token=token, origin=origin)
        comm.scope["scheme"] = "wss"
        connected, _ = await comm.connect(timeout=5)
        assert connected is allowed, origin
        await comm.disconnect()


async def test_a_program_without_origin_may_use_a_token_but_not_a_cookie(alice):
    with_token = probe(token=(await sync_to_async(issue_pair)(alice))["access"], origin=None)
    await joined(with_token)
    with_cookie = probe(client=await sync_to_async(signed_in_client)(alice), origin=None)
    connected, _ = await with_cookie.connect(timeout=5)
    assert not connected
    await with_token.disconnect()


async def test_the_chat_socket_is_behind_the_exact_origin_check(alice):
    from treehole.asgi import application as site

    token = (await sync_to_async(issue_pair)(alice))["access"]
    refused = probe(token=token, origin="http://testserver:8666", app=site, path_="/ws/chat/")
    assert (await refused.connect(timeout=5))[0] is False
    accepted = probe(token=token, app=site, path_="/ws/chat/")
    assert (await accepted.connect(timeout=5))[0] is True
    await accepted.disconnect()


# -- pings share a worker-thread trip -------------------------------------------------------------


async def test_pings_arriving_together_share_one_trip_and_each_socket_gets_its_own_answer(alice, bob, monkeypatch, settings):
    """An idle room is all pings: those of one process that arrive within WS_PING_BATCH_SECONDS
    are done in one worker-thread trip, and still answered socket by socket — a revoked user's
    socket in the batch is closed (4001) while the others get their pong."""
    from accounts import websocket

    settings.WS_PING_BATCH_SECONDS = 0.3
    batches: list[int] = []
    real = websocket._pings_sync

    def counted(consumers):
        batches.append(len(consumers))
        return real(consumers)

    monkeypatch.setattr(websocket, "_pings_sync", counted)
    alices = [probe(token=(await sync_to_async(issue_pair)(alice))["access"]) for _ in range(3)]
    bobs = [probe(token=(await sync_to_async(issue_pair)(bob))["access"]) for _ in range(2)]
    for comm in alices + bobs:
        await joined(comm)
    for comm in alices + bobs:
        await comm.send_to(text_data='{"type": "ping"}')
    for comm in alices + bobs:
        assert (await comm.receive_json_from(timeout=5))["type"] == "pong"
    assert batches == [5]

    await sync_to_async(verification.get_redis().flushdb)()  # nothing cached: the database decides
    bob.is_active = False
    await bob.asave(update_fields=["is_active"])
    for comm in alices + bobs:
        await comm.send_to(text_data='{"type": "ping"}')
    for comm in alices:
        assert (await comm.receive_json_from(timeout=5))["type"] == "pong"
    for comm in bobs:
        await closed_with(comm, 4001, error="token_expired")
    assert batches == [5, 5]
    for comm in alices + bobs:
        await comm.disconnect()


async def test_a_frame_costs_no_trip_to_the_sync_thread_and_the_database_is_still_reached(alice, monkeypatch):
    """Channels closes old database connections in the sync thread before every message it
    dispatches; the base skips that (its ORM calls go through database_sync_to_async, which does it
    around itself), and a frame that needs the database still reaches it."""
    import channels.consumer

    calls = []

    async def counted():
        calls.append(1)

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", counted)
    comm = probe(token=(await sync_to_async(issue_pair)(alice))["access"])
    await joined(comm)
    for _ in range(3):
        await still_open(comm)
    await comm.send_to(text_data='{"type": "echo", "text": "hi"}')
    assert (await comm.receive_json_from(timeout=5)) == {"type": "echo", "text": "hi"}
    assert calls == []
    await sync_to_async(verification.get_redis().flushdb)()  # the next frame asks the database
    alice.is_active = False
    await alice.asave(update_fields=["is_active"])
    await comm.send_to(text_data='{"type": "ping"}')
    await closed_with(comm, 4001, error="token_expired")
