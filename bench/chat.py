"""Chat fan-out load: N WebSocket clients on one daphne process, one message a second.

Started by bench/run.py (which starts daphne on another core and hands over JWTs, one user per
client). Phases: connect every client (in waves of 50) and wait for the presence announcements to
settle; measure the server's CPU over IDLE_SECONDS of 1,000 idle connections; then client 0 sends one
message a second for --seconds; every client stamps each arrival on this process's monotonic clock,
so send-to-receive latency needs no clock sync. Lost = expected deliveries - deliveries. The
clients answer the server's heartbeat rule (a ping frame every 25 s), as the site's JS does.

Prints one line ``BENCHJSON {...}``. Latencies include this client's own queueing (1,000
receivers in one Python process on one core): they are an upper bound of the server's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

import websockets

from bench.proc import cpu_seconds

IDLE_SECONDS = 10.0
PING_EVERY = 25.0
MARK = "bench#"


class Client:
    def __init__(self, index: int, url: str, origin: str):
        self.index, self.url, self.origin = index, url, origin
        self.ws = None
        self.arrivals: dict[int, float] = {}
        self.frames = 0
        self.last_frame = 0.0
        self.closed: str | None = None
        self.errors: list[str] = []

    async def connect(self):
        self.ws = await websockets.connect(self.url, origin=self.origin, ping_interval=None, open_timeout=60,
                                           max_queue=None, close_timeout=2)

    async def read(self):
        try:
            async for frame in self.ws:
                now = time.monotonic()
                if '"type":"pong"' in frame:
                    continue
                self.frames += 1
                self.last_frame = now
                at = frame.find(MARK)
                if at >= 0:
                    end = frame.find('"', at)
                    self.arrivals[int(frame[at + len(MARK):end])] = now
                elif '"type":"error"' in frame:
                    self.errors.append(frame[:200])
        except websockets.ConnectionClosed as exc:
            self.closed = f"{exc.rcvd.code if exc.rcvd else 'none'}"
        except Exception as exc:  # noqa: BLE001
            self.closed = exc.__class__.__name__

    async def pinger(self):
        await asyncio.sleep(random.uniform(0, PING_EVERY))
        while True:
            try:
                await self.ws.send('{"type":"ping"}')
            except Exception:  # noqa: BLE001 - closed: the reader records it
                return
            await asyncio.sleep(PING_EVERY)


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 2)


async def main(args) -> dict:
    tokens = Path(args.tokens).read_text().split()[: args.clients]
    pids = [int(p) for p in args.pids.split(",") if p]
    origin = f"http://127.0.0.1:{args.port}"
    clients = [Client(i, f"ws://127.0.0.1:{args.port}/ws/chat/?token={token}", origin) for i, token in enumerate(tokens)]
    tasks = []
    t0 = time.monotonic()
    failed = 0
    for start in range(0, len(clients), 50):
        wave = clients[start:start + 50]
        results = await asyncio.gather(*(c.connect() for c in wave), return_exceptions=True)
        for client, result in zip(wave, results):
            if isinstance(result, Exception):
                failed += 1
                client.closed = f"connect: {result.__class__.__name__}: {result}"
            else:
                tasks.append(asyncio.create_task(client.read()))
                tasks.append(asyncio.create_task(client.pinger()))
    connected = [c for c in clients if c.ws is not None]
    connect_seconds = time.monotonic() - t0
    # Wait for the join announcements (presence) to stop arriving: 2 quiet seconds, at most 30 s.
    settle_start = time.monotonic()
    while time.monotonic() - settle_start < 30:
        await asyncio.sleep(1)
        latest = max((c.last_frame for c in connected), default=0)
        if time.monotonic() - latest > 2:
            break
    settle_seconds = time.monotonic() - settle_start
    presence_frames = sum(c.frames for c in connected)

    cpu0, w0 = cpu_seconds(pids), time.monotonic()
    await asyncio.sleep(IDLE_SECONDS)
    idle_cpu_pct = 100 * (cpu_seconds(pids) - cpu0) / (time.monotonic() - w0)

    sender = connected[0]
    sent: dict[int, float] = {}
    cpu0, w0 = cpu_seconds(pids), time.monotonic()
    own0 = time.process_time()
    next_at = time.monotonic()
    for seq in range(args.seconds):
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        frame = json.dumps({"type": "message", "content": f"{MARK}{seq}", "client_id": f"c{seq}"})
        sent[seq] = time.monotonic()
        await sender.ws.send(frame)
        # One a second, never catching up in a burst after a stall (the chat bucket is 1/s, burst 5).
        next_at = max(next_at + 1.0, time.monotonic() + 0.5)
    await asyncio.sleep(5)  # stragglers
    busy_cpu_pct = 100 * (cpu_seconds(pids) - cpu0) / (time.monotonic() - w0)
    client_cpu_pct = 100 * (time.process_time() - own0) / (time.monotonic() - w0)

    latencies, completion = [], []
    delivered = 0
    for seq, at in sent.items():
        last = None
        for client in connected:
            arrived = client.arrivals.get(seq)
            if arrived is not None:
                delivered += 1
                latencies.append((arrived - at) * 1000)
                last = max(last or 0, arrived)
        if last is not None:
            completion.append((last - at) * 1000)
    expected = len(sent) * len(connected)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*(c.ws.close() for c in connected), return_exceptions=True)
    errors = [e for c in connected for e in c.errors]
    return {
        "clients": len(clients), "connected": len(connected), "connect_failed": failed,
        "connect_seconds": round(connect_seconds, 1), "settle_seconds": round(settle_seconds, 1),
        "presence_frames": presence_frames, "idle_cpu_pct": round(idle_cpu_pct, 2), "busy_cpu_pct": round(busy_cpu_pct, 2),
        "client_cpu_pct": round(client_cpu_pct, 2),
        "messages": len(sent), "expected": expected, "delivered": delivered, "lost": expected - delivered,
        "p50_ms": pct(latencies, 0.5), "p99_ms": pct(latencies, 0.99), "max_ms": pct(latencies, 1.0),
        "mean_ms": round(statistics.fmean(latencies), 2) if latencies else None,
        "fanout_complete_p50_ms": pct(completion, 0.5), "fanout_complete_p99_ms": pct(completion, 0.99),
        "closed_early": sum(1 for c in connected if c.closed), "error_frames": len(errors), "error_examples": errors[:3],
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tokens", required=True, help="a file of JWT access tokens, one per line")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--pids", default="", help="server pids whose CPU time is measured")
    arguments = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print("BENCHJSON " + json.dumps(asyncio.run(main(arguments))), flush=True)
    sys.exit(0)
