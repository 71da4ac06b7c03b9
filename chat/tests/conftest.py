"""Fixtures for the chat tests: users, their credentials, and WebSocket communicators that go
through the real ASGI stack (origin check, session auth, ``?token=``) and the real Redis layer."""

from __future__ import annotations

import asyncio
import json

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from accounts.tokens import issue_pair
from treehole.testing import make_user


@pytest.fixture
def fast_heartbeat(settings):
    """A small heartbeat timeout and sweep interval, so liveness tests take a second."""
    settings.WS_HEARTBEAT_TIMEOUT = 0.6
    settings.WS_SWEEP_INTERVAL = 0.1
    return settings


@pytest.fixture
def chat_users(transactional_db):
    return make_user("alice"), make_user("bob"), make_user("carol")


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def access_token(user) -> str:
    return issue_pair(user)["access"]


def communicator(*, cookie: str | None = None, token: str | None = None, origin: str = "http://testserver"):
    from treehole.asgi import application

    path = "/ws/chat/" + (f"?token={token}" if token is not None else "")
    headers = [(b"host", b"testserver"), (b"origin", origin.encode())]
    if cookie is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


async def connect(comm, *, expect_count: int | None = None):
    """Connect and read the first frame (the current presence count)."""
    connected, _subprotocol = await comm.connect(timeout=5)
    assert connected
    frame = await comm.receive_json_from(timeout=5)
    assert frame["type"] == "presence", frame
    if expect_count is not None:
        assert frame["count"] == expect_count, frame
    return frame


async def receive_until(comm, frame_type: str, *, timeout: float = 5, skip=("presence",), skipped: list | None = None):
    """The next frame of ``frame_type``, skipping the kinds in ``skip`` (presence by default);
    skipped frames are appended to ``skipped`` when given."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        remaining = deadline - loop.time()
        assert remaining > 0, f"no {frame_type} frame within {timeout}s"
        frame = await comm.receive_json_from(timeout=remaining)
        if frame["type"] == frame_type:
            return frame
        assert frame["type"] in skip, f"expected {frame_type}, got {frame}"
        if skipped is not None:
            skipped.append(frame)


async def expect_close(comm, code: int, *, timeout: float = 5):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        output = await comm.receive_output(timeout=max(0.01, deadline - loop.time()))
        if output["type"] == "websocket.close":
            assert output.get("code") == code, output
            return
        assert output["type"] == "websocket.send", output
        frame = json.loads(output["text"])
        assert frame["type"] in ("presence", "error"), frame


async def send(comm, frame: dict):
    await comm.send_to(text_data=json.dumps(frame))
