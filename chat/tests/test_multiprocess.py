"""Two real daphne processes on two ports, sharing MariaDB (the test database) and Redis, with
real WebSocket clients: fan-out crosses processes, presence counts both, and a process killed
with SIGKILL (no cleanup at all) loses its users within the heartbeat timeout."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from accounts.tokens import issue_pair
from chat.models import ChatMessage
from treehole.testing import make_user
from treehole.testing.servers import database_url_of_test_db, free_port

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
HEARTBEAT_TIMEOUT = 3.0  # seconds, for the daphne processes
SWEEP_INTERVAL = 0.25
PING_EVERY = 0.5




def http_json(url: str, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@pytest.fixture
def daphne(transactional_db, tmp_path):
    """start(worker_id) -> (process, port): a daphne process serving treehole.asgi on a free port.
    Every process started is killed at teardown, whatever the test did."""
    processes: list[subprocess.Popen] = []

    def start(worker_id: int):
        port = free_port()
        log = open(tmp_path / f"daphne-{worker_id}.log", "wb")
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "treehole.settings",
            "DATABASE_URL": database_url_of_test_db(),
            "REDIS_URL": settings.REDIS_URL,
            "TREEHOLE_WORKER_ID": str(worker_id),
            "WS_HEARTBEAT_TIMEOUT_SECONDS": str(HEARTBEAT_TIMEOUT),
            "WS_SWEEP_INTERVAL_SECONDS": str(SWEEP_INTERVAL),
            "CONN_MAX_AGE": "0",
            "LOG_LEVEL": "WARNING",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "treehole.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        processes.append(process)
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"daphne exited with {process.returncode}:\n{(tmp_path / f'daphne-{worker_id}.log').read_text()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return process, port
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"daphne on port {port} did not become healthy")
            time.sleep(0.2)

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


class Client:
    """A real WebSocket client that pings like the page does and queues every other frame."""

    def __init__(self, ws):
        self.ws = ws
        self.frames: asyncio.Queue = asyncio.Queue()
        self.reader = asyncio.create_task(self._read())
        self.pinger = asyncio.create_task(self._ping())

    @classmethod
    async def open(cls, port: int, token: str) -> "Client":
        ws = await ws_connect(f"ws://127.0.0.1:{port}/ws/chat/?token={token}", origin=f"http://127.0.0.1:{port}")
        return cls(ws)

    async def _read(self):
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                if frame["type"] != "pong":
                    await self.frames.put(frame)
        except ConnectionClosed:
            pass
        await self.frames.put({"type": "closed"})

    async def _ping(self):
        try:
            while True:
                await self.ws.send(json.dumps({"type": "ping"}))
                await asyncio.sleep(PING_EVERY)
        except ConnectionClosed:
            pass

    async def next(self, frame_type: str, timeout: float = 10, **match) -> dict:
        """The next frame of that type (and with those fields), dropping others."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"no {frame_type} {match} within {timeout}s")
            frame = await asyncio.wait_for(self.frames.get(), remaining)
            if frame["type"] == frame_type and all(frame.get(k) == v for k, v in match.items()):
                return frame
            if frame["type"] == "closed" and frame_type != "closed":
                raise AssertionError(f"connection closed while waiting for {frame_type} {match}")

    async def send(self, frame: dict):
        await self.ws.send(json.dumps(frame))

    async def close(self):
        self.pinger.cancel()
        await self.ws.close()
        self.reader.cancel()


def test_two_daphne_processes_share_messages_and_presence_and_survive_a_sigkill(daphne):
    alice, bob = make_user("alice"), make_user("bob")
    alice_token, bob_token = issue_pair(alice)["access"], issue_pair(bob)["access"]
    process_a, port_a = daphne(101)
    process_b, port_b = daphne(102)

    async def scenario():
        a = await Client.open(port_a, alice_token)
        await a.next("presence", count=1)
        b = await Client.open(port_b, bob_token)
        await b.next("presence", count=2)
        await a.next("presence", count=2)  # announced by process B, delivered by process A

        # Both processes see both users.
        for port in (port_a, port_b):
            status, body = await asyncio.to_thread(http_json, f"http://127.0.0.1:{port}/api/v1/chat/online", bob_token)
            assert status == 200 and body["count"] == 2, body
            assert sorted(u["username"] for u in body["users"]) == ["alice", "bob"]

        # A message sent on A reaches the client on B, and the other way round.
        await a.send({"type": "message", "content": "from A", "client_id": "a-1"})
        echoed = await a.next("message")
        received = await b.next("message")
        assert echoed["client_id"] == "a-1" and "client_id" not in received
        assert echoed["message"] == received["message"]
        assert received["message"]["user"]["username"] == "alice"
        await b.send({"type": "message", "content": "from B", "client_id": "b-1"})
        assert (await a.next("message"))["message"]["content"] == "from B"
        assert (await b.next("message"))["client_id"] == "b-1"

        # Process A dies without any cleanup: alice's presence entry stays in Redis until a
        # live process notices her heartbeat is older than the timeout.
        process_a.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        await a.next("closed", timeout=10)
        await b.next("presence", count=1, timeout=HEARTBEAT_TIMEOUT + 5)
        gone_after = time.monotonic() - killed_at
        assert gone_after <= HEARTBEAT_TIMEOUT + SWEEP_INTERVAL + 1.5, gone_after
        status, body = await asyncio.to_thread(http_json, f"http://127.0.0.1:{port_b}/api/v1/chat/online", bob_token)
        assert status == 200 and body == {"count": 1, "users": [body["users"][0]]}
        assert body["users"][0]["username"] == "bob"

        # B still works, and keeps the history both processes wrote.
        await b.send({"type": "message", "content": "still here"})
        assert (await b.next("message"))["message"]["content"] == "still here"
        status, body = await asyncio.to_thread(
            http_json, f"http://127.0.0.1:{port_b}/api/v1/chat/messages?limit=10", bob_token
        )
        assert [m["content"] for m in body["results"]] == ["from A", "from B", "still here"]
        await b.close()
        return gone_after

    gone_after = asyncio.run(scenario())
    assert process_a.wait(timeout=5) == -signal.SIGKILL
    assert ChatMessage.objects.count() == 3
    # Messages made by the two processes carry their own worker ids in their snowflakes.
    from treehole.ids import id_worker

    assert {id_worker(pk) for pk in ChatMessage.objects.values_list("id", flat=True)} == {101, 102}
    print(f"alice left the online list {gone_after:.2f}s after process A was killed")
