"""Chat fan-out load: N WebSocket clients on one or more server processes, one message a second.

Started by bench/run.py (which starts the servers on core 0 and hands over JWTs). The clients are
spread over ``--procs`` worker processes (all on the load core), so one Python event loop stamping
1,000 arrivals in a row is not what the latency measures; the sender is a client of this process.
Phases: every worker connects its clients (waves of 50, round-robin over ``--ports``); wait for the
presence announcements to settle; measure the servers' CPU over IDLE_SECONDS of idle connections
(each client pings every 25 s, as the site's JS does); then the sender posts one message a second
for --seconds. Every client stamps each arrival with ``time.monotonic()`` — CLOCK_MONOTONIC, one
clock for every process of this machine — so send → receive latency needs no clock sync. Lost =
expected deliveries − deliveries. The clients' own CPU (every worker and this process) is reported
next to the servers', so a saturated load generator shows.

Prints one line ``BENCHJSON {...}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

import websockets

from bench.proc import cpu_seconds

PING_EVERY = 25.0
# One whole ping period by default: every client pings once inside the idle window.
IDLE_SECONDS = float(os.environ.get("BENCH_CHAT_IDLE_SECONDS", str(PING_EVERY)))
MARK = "bench#"
WAVE = 50  # handshakes in flight at once, over all the client processes (daphne drops a socket
# whose handshake the application has not accepted within 5 s)


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
                                           max_queue=None, close_timeout=2, compression=None)

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


async def connect_all(clients: list[Client], wave_size: int = WAVE) -> tuple[list[Client], list[asyncio.Task], int]:
    tasks, failed = [], 0
    for start in range(0, len(clients), wave_size):
        wave = clients[start:start + wave_size]
        results = await asyncio.gather(*(c.connect() for c in wave), return_exceptions=True)
        for client, result in zip(wave, results):
            if isinstance(result, Exception):
                failed += 1
                client.closed = f"connect: {result.__class__.__name__}: {result}"
                client.ws = None
            else:
                tasks.append(asyncio.create_task(client.read()))
                tasks.append(asyncio.create_task(client.pinger()))
    return [c for c in clients if c.ws is not None], tasks, failed


def make_clients(indexed_tokens: list[tuple[int, str]], ports: list[int]) -> list[Client]:
    clients = []
    for index, token in indexed_tokens:
        port = ports[index % len(ports)]
        clients.append(Client(index, f"ws://127.0.0.1:{port}/ws/chat/?token={token}", f"http://127.0.0.1:{port}"))
    return clients


# --- a worker process: its share of the clients, driven over a pipe ------------------------------

def worker(indexed_tokens, ports, conn, wave_size) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(_worker(indexed_tokens, ports, conn, wave_size))


async def _worker(indexed_tokens, ports, conn, wave_size) -> None:
    clients = make_clients(indexed_tokens, ports)
    connected, tasks, failed = await connect_all(clients, wave_size)
    conn.send({"connected": len(connected), "failed": failed,
               "failures": [c.closed for c in clients if c.ws is None][:3]})
    while True:
        command = await asyncio.to_thread(conn.recv)
        if command == "status":
            conn.send({"frames": sum(c.frames for c in connected),
                       "last_frame": max((c.last_frame for c in connected), default=0.0)})
        elif command == "cpu":
            conn.send(time.process_time())
        elif command == "results":
            conn.send({
                "arrivals": [c.arrivals for c in connected],
                "closed_early": sum(1 for c in connected if c.closed),
                "errors": [e for c in connected for e in c.errors],
            })
            for task in tasks:
                task.cancel()
            await asyncio.gather(*(c.ws.close() for c in connected), return_exceptions=True)
            conn.send("bye")
            return


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 2)


def ask(pipes, command):
    for pipe in pipes:
        pipe.send(command)
    return [pipe.recv() for pipe in pipes]


def start_workers(args, tokens: list[str], ports: list[int]):
    """This process keeps the sender (client 0); the workers get everyone else, dealt round-robin.
    Forked before this process starts its event loop."""
    procs = max(1, min(args.procs, args.clients - 1))
    context = multiprocessing.get_context("fork")
    pipes, workers = [], []
    for w in range(procs):
        share = [(i, tokens[i]) for i in range(1, len(tokens)) if (i - 1) % procs == w]
        parent_end, child_end = context.Pipe()
        process = context.Process(target=worker, args=(share, ports, child_end, max(1, WAVE // procs)), daemon=True)
        process.start()
        pipes.append(parent_end)
        workers.append(process)
    return pipes, workers


async def main(args, tokens, ports, pipes, workers, t0) -> dict:
    pids = [int(p) for p in args.pids.split(",") if p]
    procs = len(workers)
    for attempt in range(3):  # the workers' handshakes are under way too: the sender retries
        own_clients = make_clients([(0, tokens[0])], ports)
        own, own_tasks, own_failed = await connect_all(own_clients)
        if own:
            break
        await asyncio.sleep(2)
    hello = await asyncio.to_thread(lambda: [pipe.recv() for pipe in pipes])
    connected = len(own) + sum(h["connected"] for h in hello)
    failed = own_failed + sum(h["failed"] for h in hello)
    connect_seconds = time.monotonic() - t0
    if not own:
        raise SystemExit(f"the sender could not connect: {own_clients[0].closed}")
    sender = own[0]

    # Wait for the join announcements (presence) to stop arriving: 2 quiet seconds, at most 30 s.
    settle_start = time.monotonic()
    while time.monotonic() - settle_start < 30:
        await asyncio.sleep(1)
        status = await asyncio.to_thread(ask, pipes, "status")
        latest = max([s["last_frame"] for s in status] + [sender.last_frame])
        if time.monotonic() - latest > 2:
            break
    settle_seconds = time.monotonic() - settle_start
    status = await asyncio.to_thread(ask, pipes, "status")
    presence_frames = sum(s["frames"] for s in status) + sender.frames

    cpu0, w0 = cpu_seconds(pids), time.monotonic()
    await asyncio.sleep(IDLE_SECONDS)
    idle_cpu_pct = 100 * (cpu_seconds(pids) - cpu0) / (time.monotonic() - w0)

    sent: dict[int, float] = {}
    clients_cpu0 = await asyncio.to_thread(ask, pipes, "cpu")
    cpu0, w0, own0 = cpu_seconds(pids), time.monotonic(), time.process_time()
    next_at = time.monotonic()
    for seq in range(args.seconds):
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        frame = json.dumps({"type": "message", "content": f"{MARK}{seq}", "client_id": f"c{seq}"})
        sent[seq] = time.monotonic()
        await sender.ws.send(frame)
        # One a second, never catching up in a burst after a stall (the chat bucket is 1/s, burst 5).
        next_at = max(next_at + 1.0, time.monotonic() + 0.5)
    await asyncio.sleep(5)  # stragglers
    elapsed = time.monotonic() - w0
    busy_cpu_pct = 100 * (cpu_seconds(pids) - cpu0) / elapsed
    clients_cpu1 = await asyncio.to_thread(ask, pipes, "cpu")
    per_process = [100 * (b - a) / elapsed for a, b in zip(clients_cpu0, clients_cpu1)]
    per_process.append(100 * (time.process_time() - own0) / elapsed)

    results = await asyncio.to_thread(ask, pipes, "results")
    await asyncio.to_thread(lambda: [pipe.recv() for pipe in pipes])  # "bye": the workers closed their sockets
    for process in workers:
        process.join(timeout=30)
    for task in own_tasks:
        task.cancel()
    await sender.ws.close()

    every_arrivals = [sender.arrivals] + [a for r in results for a in r["arrivals"]]
    latencies, completion = [], []
    delivered = 0
    for seq, at in sent.items():
        last = None
        for arrivals in every_arrivals:
            arrived = arrivals.get(seq)
            if arrived is not None:
                delivered += 1
                latencies.append((arrived - at) * 1000)
                last = max(last or 0, arrived)
        if last is not None:
            completion.append((last - at) * 1000)
    expected = len(sent) * connected
    errors = sender.errors + [e for r in results for e in r["errors"]]
    server_ms_per_message = (busy_cpu_pct - idle_cpu_pct) / 100 * elapsed * 1000 / max(1, len(sent))
    return {
        "clients": args.clients, "connected": connected, "connect_failed": failed,
        "connect_failures": [f for h in hello for f in h["failures"]][:3],
        "server_processes": len(pids), "ports": ports, "client_processes": procs + 1,
        "connect_seconds": round(connect_seconds, 1), "settle_seconds": round(settle_seconds, 1),
        "presence_frames": presence_frames, "idle_seconds": IDLE_SECONDS, "idle_cpu_pct": round(idle_cpu_pct, 2), "busy_cpu_pct": round(busy_cpu_pct, 2),
        "server_cpu_ms_per_message": round(server_ms_per_message, 1),
        "server_cpu_us_per_frame": round(1000 * server_ms_per_message / max(1, connected), 1),
        "client_cpu_pct": round(sum(per_process), 2), "client_cpu_max_process_pct": round(max(per_process), 2),
        "messages": len(sent), "expected": expected, "delivered": delivered, "lost": expected - delivered,
        "p50_ms": pct(latencies, 0.5), "p99_ms": pct(latencies, 0.99), "max_ms": pct(latencies, 1.0),
        "mean_ms": round(statistics.fmean(latencies), 2) if latencies else None,
        "fanout_complete_p50_ms": pct(completion, 0.5), "fanout_complete_p99_ms": pct(completion, 0.99),
        "closed_early": sum(r["closed_early"] for r in results) + (1 if sender.closed else 0),
        "error_frames": len(errors), "error_examples": errors[:3],
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ports", required=True, help="comma-separated; clients are dealt round-robin")
    parser.add_argument("--tokens", required=True, help="a file of JWT access tokens, one per line (reused cyclically)")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--procs", type=int, default=4, help="client worker processes (besides the sender's)")
    parser.add_argument("--pids", default="", help="server pids whose CPU time is measured")
    arguments = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    started = time.monotonic()
    all_tokens = Path(arguments.tokens).read_text().split()
    client_tokens = [all_tokens[i % len(all_tokens)] for i in range(arguments.clients)]  # a user may have a few tabs
    server_ports = [int(p) for p in str(arguments.ports).split(",") if p]
    worker_pipes, worker_processes = start_workers(arguments, client_tokens, server_ports)
    result = asyncio.run(main(arguments, client_tokens, server_ports, worker_pipes, worker_processes, started))
    print("BENCHJSON " + json.dumps(result), flush=True)
    sys.exit(0)
