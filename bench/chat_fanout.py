"""Chat fan-out latency: channels-redis' core layer (RedisChannelLayer) against its pub/sub layer
(RedisPubSubChannelLayer), measured end to end through real daphne processes.

For each layer: start P daphne processes (each its own TREEHOLE_WORKER_ID), connect N WebSocket
clients spread over them, then one client sends M messages, one at a time; every client stamps
the moment each message arrives. Latency = arrival − send on one clock (all clients live in this
process). Reported: per-delivery p50/p95/p99/max, per message the time until the *last* client
had it (the fan-out completion time), and two costs that do not depend on how busy the machine
is: the daphne processes' CPU time and the Redis commands, per message.

    .venv/bin/python bench/chat_fanout.py                       # 200 clients, 2 processes, 20 messages
    .venv/bin/python bench/chat_fanout.py --clients 500 --messages 50 --layers pubsub

Needs MariaDB (DATABASE_URL, default mysql://root@127.0.0.1:3306/treehole_bench_chat, created and
migrated if missing; users bench0..N are added) and redis-server: a private one on a free port, so
its counters count this run only (--shared-redis uses REDIS_URL instead, default db 12, flushed).
Loopback only; every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {
    "core": "channels_redis.core.RedisChannelLayer",
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--layers", default="core,pubsub")
    parser.add_argument("--gap", type=float, default=0.2, help="seconds between messages")
    parser.add_argument("--burst", type=int, default=0, help="also send this many messages back to back")
    parser.add_argument("--rounds", type=int, default=1, help="repeat each layer this many times")
    parser.add_argument("--json", help="write the results here as JSON too")
    parser.add_argument("--log-dir", help="keep each daphne's output here")
    parser.add_argument("--core-capacity", type=int, help="CHANNEL_LAYER_CAPACITY for the daphnes (core layer)")
    parser.add_argument("--shared-redis", action="store_true",
                        help="use REDIS_URL instead of a private redis-server (whose counters only this run moves)")
    return parser.parse_args()


def start_private_redis() -> subprocess.Popen | None:
    """A redis-server of our own on a free loopback port: its command counters then count this
    run's commands only, whoever else uses the machine's Redis."""
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    return None


def setup_django():
    os.environ.setdefault("DATABASE_URL", "mysql://root@127.0.0.1:3306/treehole_bench_chat")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/12")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "treehole.settings")
    os.environ.setdefault("JWT_SIGNING_KEY", "bench-jwt-key-" + "y" * 40)  # shared with the daphnes
    sys.path.insert(0, str(ROOT))
    import environ
    import MySQLdb

    db = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    server = MySQLdb.connect(host=db["HOST"] or "127.0.0.1", port=int(db["PORT"] or 3306), user=db["USER"], passwd=db["PASSWORD"] or "")
    server.cursor().execute(
        f"CREATE DATABASE IF NOT EXISTS `{db['NAME']}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    )
    server.close()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def make_tokens(count: int) -> list[str]:
    from accounts.models import User
    from accounts.tokens import issue_pair

    have = {u.username: u for u in User.objects.filter(username__startswith="bench")}
    missing = [
        User(username=f"bench{i}", email=f"bench{i}@bench.invalid", password="!")
        for i in range(count)
        if f"bench{i}" not in have
    ]
    User.objects.bulk_create(missing)
    users = sorted(User.objects.filter(username__startswith="bench"), key=lambda u: int(u.username[5:]))[:count]
    return [issue_pair(u)["access"] for u in users]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_daphne(layer: str, worker_id: int, log_dir: str | None = None, capacity: int | None = None) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {
        **os.environ,
        "CHANNEL_LAYER_BACKEND": LAYERS[layer],
        "TREEHOLE_WORKER_ID": str(worker_id),
        "RATE_CHAT_PER_SECOND": "1000",
        "RATE_CHAT_BURST": "100000",
        "RATE_GLOBAL_PER_SECOND": "100000",
        "RATE_GLOBAL_BURST": "100000",
        "LOG_LEVEL": "WARNING",
        "DEBUG": "0",
        **({"CHANNEL_LAYER_CAPACITY": str(capacity)} if capacity else {}),
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-" + "x" * 40),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "treehole.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=open(Path(log_dir) / f"daphne-{layer}-{worker_id}.log", "ab") if log_dir else subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"daphne exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("daphne did not start")


def cpu_seconds(pid: int) -> float:
    """user + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def redis_commands() -> int:
    from treehole.redis import get_redis

    stats = get_redis().info("commandstats")
    return sum(int(v["calls"]) for v in stats.values())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def run_layer(layer: str, tokens: list[str], args) -> dict:
    from websockets.asyncio.client import connect

    processes = [start_daphne(layer, 200 + i, args.log_dir, args.core_capacity) for i in range(args.processes)]
    arrivals: dict[str, list[float]] = {}
    sent_at: dict[str, float] = {}
    done: dict[str, asyncio.Event] = {}
    presence_seen: list[int] = [0] * len(tokens)
    errors: list[dict] = []
    clients = []

    async def reader(index, ws):
        try:
            async for raw in ws:
                now = time.perf_counter()
                frame = json.loads(raw)
                if frame["type"] == "message":
                    key = frame["message"]["content"]
                    bucket = arrivals.setdefault(key, [])
                    bucket.append(now)
                    if len(bucket) == len(tokens) and key in done:
                        done[key].set()
                elif frame["type"] == "presence":
                    presence_seen[index] = frame["count"]
                elif frame["type"] == "error":
                    errors.append(frame)
        except Exception:
            pass

    try:
        started = time.perf_counter()
        for index, token in enumerate(tokens):
            _process, port = processes[index % len(processes)]
            ws = await connect(
                f"ws://127.0.0.1:{port}/ws/chat/?token={token}",
                origin=f"http://127.0.0.1:{port}",
                max_queue=None,
                ping_interval=None,
            )
            clients.append((ws, asyncio.create_task(reader(index, ws))))
        connect_seconds = time.perf_counter() - started
        settle_started = time.perf_counter()
        # Wait until presence has settled: every client knows everyone is here.
        deadline = time.perf_counter() + 30
        while min(presence_seen) < len(tokens) and time.perf_counter() < deadline:
            await asyncio.sleep(0.1)
        settle_seconds = time.perf_counter() - settle_started
        await asyncio.sleep(0.5)

        async def send_one(label: str):
            done[label] = asyncio.Event()
            sent_at[label] = time.perf_counter()
            await clients[0][0].send(json.dumps({"type": "message", "content": label}))

        async def wait_all(labels, timeout=5):
            try:
                await asyncio.wait_for(asyncio.gather(*(done[label].wait() for label in labels)), timeout)
            except asyncio.TimeoutError:
                pass

        # Warm-up message (connections, scripts, caches), not counted.
        await send_one(f"{layer}-warmup")
        await wait_all([f"{layer}-warmup"])

        cpu_before = sum(cpu_seconds(p.pid) for p, _port in processes)
        commands_before = redis_commands()
        labels = []
        for i in range(args.messages):
            label = f"{layer}-{i}"
            labels.append(label)
            await send_one(label)
            await wait_all([label])
            await asyncio.sleep(args.gap)
        # Costs of the spaced messages, independent of how busy the machine is: daphne CPU and
        # Redis commands per message (idle heartbeat work over the same seconds included).
        cpu_per_message_ms = (sum(cpu_seconds(p.pid) for p, _port in processes) - cpu_before) * 1000 / max(1, args.messages)
        commands_per_message = (redis_commands() - commands_before - 1) / max(1, args.messages)
        burst_labels = []
        if args.burst:
            for i in range(args.burst):
                label = f"{layer}-burst-{i}"
                burst_labels.append(label)
                await send_one(label)
            await wait_all(burst_labels, timeout=60)

        def summarize(group):
            deliveries = [(t - sent_at[label]) * 1000 for label in group for t in arrivals.get(label, [])]
            completions = [
                (max(arrivals[label]) - sent_at[label]) * 1000
                for label in group
                if len(arrivals.get(label, [])) == len(tokens)
            ]
            expected = len(group) * len(tokens)
            return {
                "deliveries": len(deliveries),
                "missing": expected - len(deliveries),
                "p50_ms": round(statistics.median(deliveries), 1) if deliveries else None,
                "p95_ms": round(percentile(deliveries, 0.95), 1) if deliveries else None,
                "p99_ms": round(percentile(deliveries, 0.99), 1) if deliveries else None,
                "max_ms": round(max(deliveries), 1) if deliveries else None,
                "last_client_median_ms": round(statistics.median(completions), 1) if completions else None,
                "last_client_max_ms": round(max(completions), 1) if completions else None,
            }

        result = {"layer": layer, "clients": len(tokens), "processes": args.processes,
                  "connect_s": round(connect_seconds, 2), "presence_settled_s": round(settle_seconds, 2),
                  "presence_min_seen": min(presence_seen), "error_frames": len(errors),
                  "daphne_cpu_ms_per_message": round(cpu_per_message_ms, 1),
                  "redis_commands_per_message": round(commands_per_message, 1),
                  "spaced": summarize(labels)}
        if errors:
            result["first_error"] = errors[0]
        if burst_labels:
            result["burst"] = summarize(burst_labels)
            result["burst"]["size"] = len(burst_labels)
            last = [max(arrivals[label]) for label in burst_labels if arrivals.get(label)]
            result["burst"]["all_delivered_s"] = round(max(last) - sent_at[burst_labels[0]], 3) if last else None
        return result
    finally:
        for ws, task in clients:
            task.cancel()
            try:
                await ws.close()
            except Exception:
                pass
        for process, _port in processes:
            process.kill()
            process.wait(timeout=10)


def main():
    args = parse_args()
    redis_server = None if args.shared_redis else start_private_redis()
    try:
        setup_django()
        from treehole.redis import get_redis

        tokens = make_tokens(args.clients)
        results = []
        for _round in range(args.rounds):
            for layer in args.layers.split(","):
                get_redis().flushdb()
                result = asyncio.run(run_layer(layer, tokens, args))
                result["load_average"] = round(os.getloadavg()[0], 1)
                results.append(result)
                print(json.dumps(result, ensure_ascii=False))
    finally:
        if redis_server is not None:
            redis_server.kill()
            redis_server.wait(timeout=10)
    print()
    print("| layer | clients | p50 ms | p95 ms | p99 ms | max ms | last client (median / max) ms | missing "
          "| daphne CPU ms / msg | Redis commands / msg | load avg |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        s = r["spaced"]
        print(
            f"| {r['layer']} | {r['clients']} | {s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']} | "
            f"{s['max_ms']} | {s['last_client_median_ms']} / {s['last_client_max_ms']} | {s['missing']} | "
            f"{r['daphne_cpu_ms_per_message']} | {r['redis_commands_per_message']} | {r['load_average']} |"
        )
    if any("burst" in r for r in results):
        print()
        print("| layer | burst of | all delivered s | p50 ms | p95 ms | max ms | missing |")
        print("|---|---|---|---|---|---|---|")
        for r in results:
            b = r.get("burst")
            if b:
                print(f"| {r['layer']} | {b['size']} | {b['all_delivered_s']} | {b['p50_ms']} | {b['p95_ms']} | {b['max_ms']} | {b['missing']} |")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
