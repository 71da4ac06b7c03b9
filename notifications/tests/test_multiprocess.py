"""The live path across real processes, as production runs it: two daphne processes hold one
user's two tabs on ``/ws/events/``; a comment is posted over HTTP to a third daphne process
(tasks *not* immediate there: the request only records the delivery and enqueues it); a real
huey worker process runs the fan-out after the commit; channels-redis carries the frames to
both tabs' processes. Both tabs get the notification and the unread count."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from websockets.asyncio.client import connect as ws_connect

from accounts.tokens import issue_pair
from treehole.testing import make_categories, make_note, make_user
from treehole.testing.servers import database_url_of_test_db, free_port

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def processes(transactional_db, tmp_path):
    """start(args, name, **env) -> Popen; every process is killed at teardown."""
    started: list[subprocess.Popen] = []

    def start(args: list[str], name: str, **env_extra) -> subprocess.Popen:
        env = {
            **os.environ, "DJANGO_SETTINGS_MODULE": "treehole.settings", "DATABASE_URL": database_url_of_test_db(),
            "REDIS_URL": settings.REDIS_URL, "CONN_MAX_AGE": "0", "LOG_LEVEL": "WARNING", **env_extra,
        }
        log = open(tmp_path / f"{name}.log", "wb")
        process = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def daphne(start, worker_id: int, tmp_path, **env) -> int:
    port = free_port()
    process = start(["-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "treehole.asgi:application"], f"daphne-{worker_id}",
                    TREEHOLE_WORKER_ID=str(worker_id), **env)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            pytest.fail((tmp_path / f"daphne-{worker_id}.log").read_text())
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return port
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"daphne {worker_id} did not become healthy")
        time.sleep(0.2)


def post_comment(port: int, token: str, note_id: int, content: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/notes/{note_id}/comments", data=json.dumps({"content": content}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}, method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


async def frames_until_unread(ws, count: int, timeout: float = 20) -> list[dict]:
    """Frames (pongs dropped) up to the first ``unread`` frame with ``count``."""
    seen = []
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == "pong":
                continue
            seen.append(frame)
            if frame == {"type": "unread", "count": count}:
                return seen


def test_a_comment_on_a_third_process_reaches_both_tabs_on_two_others(processes, tmp_path, fast_hasher):
    make_categories()
    op, alice = make_user("op_live"), make_user("alice_live")
    note = make_note(op, anonymous=True)
    op_token, alice_token = issue_pair(op)["access"], issue_pair(alice)["access"]
    first, second = daphne(processes, 11, tmp_path), daphne(processes, 12, tmp_path)
    third = daphne(processes, 13, tmp_path, TASKS_IMMEDIATE="0")
    processes(["manage.py", "run_huey", "-w", "1", "-k", "thread"], "huey", TASKS_IMMEDIATE="0", TREEHOLE_WORKER_ID="14")

    async def scenario():
        tabs = [await ws_connect(f"ws://127.0.0.1:{port}/ws/events/?token={op_token}", origin=f"http://127.0.0.1:{port}")
                for port in (first, second)]
        for tab in tabs:
            assert json.loads(await tab.recv()) == {"type": "unread", "count": 0}
        status = await asyncio.to_thread(post_comment, third, alice_token, note.pk, "你不是一个人")
        assert status == 201
        raw = []
        for tab in tabs:
            frames = await frames_until_unread(tab, 1)
            raw.append(json.dumps(frames, ensure_ascii=False))
            [notification] = [f["notification"] for f in frames if f["type"] == "notification"]
            assert notification["kind"] == "comment" and notification["actor"] == {"display_name": "Alice"}
            assert notification["note"]["id"] == str(note.pk) and notification["text"] == "你不是一个人"
        for tab in tabs:
            await tab.close()
        return "\n".join(raw)

    raw = asyncio.run(scenario())
    for secret in ("alice_live", str(alice.pk), "op_live", str(op.pk)):
        assert secret not in raw
