"""Benchmark of the rate limiter against a real Redis: the latency it adds to a request, and how
exactly a shared bucket admits under several processes.

    REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python bench/ratelimit_bench.py
    (options: --requests N --threads N --accuracy-seconds S --skip-accuracy)

Measured (the numbers in docs/protection.md come from this script):
1. ``take()`` alone: one EVALSHA round trip of the token-bucket script.
2. ``RateLimitMiddleware`` around a view that does nothing, minus that view alone: the latency the
   limiter adds per request, for a signed-out caller (global + per-IP bucket in one script call)
   and for a Bearer-token caller (JWT signature check + global bucket).
3. The same middleware path from several threads at once (latency under contention, throughput).
4. Admission accuracy: processes × threads hammering one bucket for a fixed time, admitted vs
   burst + rate × time. (That formula assumes the bucket is never left full: a hammer stalled
   longer than burst / rate by a busy machine loses the tokens that overflow, as it should.)
The target is p99 <= 1 ms of added latency per request.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "treehole.settings")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def summary(name: str, samples_us: list[float]) -> dict:
    return {
        "name": name,
        "cpu": CPU_US.get(id(samples_us)),
        "n": len(samples_us),
        "p50": percentile(samples_us, 50),
        "p90": percentile(samples_us, 90),
        "p99": percentile(samples_us, 99),
        "p999": percentile(samples_us, 99.9),
        "mean": statistics.fmean(samples_us),
    }


CPU_US: dict[int, float] = {}  # id(samples) -> this process's CPU µs per call while measuring


def timed(fn, n: int) -> list[float]:
    samples = []
    clock = time.perf_counter_ns
    cpu_start = time.thread_time()
    for _ in range(n):
        start = clock()
        fn()
        samples.append((clock() - start) / 1000)
    CPU_US[id(samples)] = (time.thread_time() - cpu_start) / n * 1e6
    return samples


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    from treehole.redis import get_redis

    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "redis": get_redis().info("server")["redis_version"],
        "kernel": subprocess.run(["uname", "-r"], capture_output=True, text=True).stdout.strip(),
        "load": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20000, help="timed calls per measurement")
    parser.add_argument("--threads", type=int, default=8, help="threads for the contention run")
    parser.add_argument("--accuracy-seconds", type=float, default=6.0)
    parser.add_argument("--skip-accuracy", action="store_true")
    args = parser.parse_args()

    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL to a real Redis (a spare db index: the bench writes rl:* keys there).")
    import django

    django.setup()
    from django.conf import settings
    from django.http import HttpResponse
    from django.test import RequestFactory

    from accounts.models import User
    from accounts.tokens import issue_pair
    from treehole import ratelimit
    from treehole.protection import RateLimitMiddleware
    from treehole.redis import get_redis

    redis = get_redis()

    # Buckets large enough to admit every timed request: the admit path is what a request pays.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "global": (1e9, 1e9), "anon": (1e9, 1e9)}
    info = machine()
    print(f"# {info['date']} · {info['nproc']} × {info['cpu']} · Python {info['python']} · Redis {info['redis']}"
          f" · load average {info['load']} at start")

    def nothing(request):
        return HttpResponse(b"")

    middleware = RateLimitMiddleware(nothing)
    factory = RequestFactory()
    anonymous = factory.get("/api/v1/notes", REMOTE_ADDR="203.0.113.7")
    token = issue_pair(User(pk=1, username="bench", token_version=0))["access"]
    bearer = factory.get("/api/v1/notes", REMOTE_ADDR="203.0.113.7", HTTP_AUTHORIZATION=f"Bearer {token}")

    def through(request):
        request.__dict__.pop("ratelimit_decision", None)
        return lambda: middleware(request)

    for _ in range(500):  # warm up: connections, script load, imports
        middleware(anonymous)
        ratelimit.take("bench", "warm", rate=1e9, burst=1e9)

    n = args.requests
    rows = [
        summary("view alone (baseline)", timed(lambda: nothing(anonymous), n)),
        summary("PING round trip (the floor of any Redis call)", timed(redis.ping, n)),
        summary("take(): one bucket, one EVALSHA", timed(lambda: ratelimit.take("bench", "one", rate=1e9, burst=1e9), n)),
        summary("middleware, signed out (global + per-IP)", timed(through(anonymous), n)),
        summary("middleware, Bearer token (JWT check + global)", timed(through(bearer), n)),
    ]

    per_thread = max(1, n // args.threads)
    results: list[list[float]] = []
    lock = threading.Lock()

    def worker(i):
        request = factory.get("/api/v1/notes", REMOTE_ADDR=f"203.0.113.{i + 1}")
        samples = timed(through(request), per_thread)
        with lock:
            results.append(samples)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.threads)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    contended = summary(f"middleware, signed out, {args.threads} threads", [s for r in results for s in r])
    contended["throughput"] = per_thread * args.threads / elapsed
    rows.append(contended)

    baseline = rows[0]["p50"]
    print("\n| measurement | n | p50 µs | p90 µs | p99 µs | p99.9 µs | mean µs | app CPU µs/call |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        extra = f" ({row['throughput']:,.0f} req/s)" if "throughput" in row else ""
        cpu = f"{row['cpu']:.0f}" if row.get("cpu") is not None else "–"
        print(f"| {row['name']}{extra} | {row['n']} | {row['p50']:.0f} | {row['p90']:.0f} | {row['p99']:.0f} "
              f"| {row['p999']:.0f} | {row['mean']:.0f} | {cpu} |")
    added = rows[3]
    print(f"\nAdded by the limiter, signed out: p50 {added['p50'] - baseline:.0f} µs, p99 {added['p99'] - baseline:.0f} µs "
          f"(target p99 <= 1000 µs: {'met' if added['p99'] - baseline <= 1000 else 'MISSED'})")

    if not args.skip_accuracy:
        from treehole.tests.test_ratelimit_accuracy import run_hammer

        print("\n| bucket | hammered by | seconds | expected (burst + rate × time) | admitted | refused |")
        print("|---|---|---:|---:|---:|---:|")
        for rate, burst, procs, per_proc in ((10, 20, 2, 8), (500, 1000, 2, 8)):
            result = run_hammer(rate=rate, burst=burst, seconds=args.accuracy_seconds, processes=procs, threads=per_proc)
            print(f"| {rate}/s, burst {burst} | {procs} processes × {per_proc} threads | {args.accuracy_seconds:g} "
                  f"| {result['expected']:g} | {result['admitted']} | {result['refused']} |")


if __name__ == "__main__":
    main()
