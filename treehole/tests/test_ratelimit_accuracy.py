"""Admission accuracy of the shared token bucket under real concurrency: several OS processes
(each its own Django and Redis connection pool), each with several threads, hammer one bucket in
the real Redis for a fixed time. A correct bucket admits burst + rate × time, whoever asks.

``run_hammer`` is also the harness of ``bench/ratelimit_bench.py``.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import time
import traceback
import uuid

import pytest


def _redis_now() -> float:
    from treehole.redis import get_redis

    seconds, micros = get_redis().time()
    return seconds + micros / 1_000_000


def _hammer_process(bucket: str, rate: float, burst: float, threads: int, window, go, results) -> None:
    """One OS process: set up Django, report ready, then hammer from ``threads`` threads between
    the Redis-clock instants in ``window`` (set by the parent before ``go``)."""
    try:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "treehole.settings")
        import django

        django.setup()
        from treehole import ratelimit

        ratelimit.take("accuracy", f"warmup-{uuid.uuid4().hex}", rate=1, burst=1)  # connect, load the script
        offset = _redis_now() - time.time()  # Redis' clock minus ours (the same machine: ~0)
        results.put(("ready", os.getpid()))
        go.wait(60)
        start, end = window[0], window[1]
        counts = []
        lock = threading.Lock()

        def worker():
            admitted = refused = 0
            while time.time() + offset < start:
                time.sleep(0.0005)
            while time.time() + offset < end:
                if ratelimit.take("accuracy", bucket, rate=rate, burst=burst).allowed:
                    admitted += 1
                else:
                    refused += 1
            with lock:
                counts.append((admitted, refused))

        pool = [threading.Thread(target=worker) for _ in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        results.put(("done", sum(c[0] for c in counts), sum(c[1] for c in counts)))
    except BaseException:  # noqa: BLE001 - report anything to the parent, which fails the test
        results.put(("error", traceback.format_exc()))


def run_hammer(*, rate: float, burst: float, seconds: float, processes: int, threads: int) -> dict:
    """Hammer one fresh bucket from ``processes`` × ``threads`` for ``seconds`` (Redis clock).
    Returns admitted/refused counts summed from the processes' own results."""
    context = multiprocessing.get_context("spawn")  # a clean interpreter: no inherited sockets or locks
    bucket = f"hammer-{uuid.uuid4().hex}"
    window = context.Array("d", 2)
    go = context.Event()
    results = context.Queue()
    procs = [
        context.Process(target=_hammer_process, args=(bucket, rate, burst, threads, window, go, results), daemon=True)
        for _ in range(processes)
    ]
    for proc in procs:
        proc.start()
    try:
        for _ in procs:
            message = results.get(timeout=120)
            if message[0] == "error":
                raise AssertionError(f"a hammer process failed:\n{message[1]}")
        start = _redis_now() + 0.3
        window[0], window[1] = start, start + seconds
        go.set()
        admitted = refused = 0
        for _ in procs:
            message = results.get(timeout=seconds + 60)
            if message[0] == "error":
                raise AssertionError(f"a hammer process failed:\n{message[1]}")
            admitted += message[1]
            refused += message[2]
    except queue.Empty as exc:
        raise AssertionError("a hammer process did not answer in time") from exc
    finally:
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()
    return {"admitted": admitted, "refused": refused, "expected": burst + rate * seconds}


@pytest.mark.django_db
def test_two_processes_of_eight_threads_admit_burst_plus_rate_times_time():
    result = run_hammer(rate=10, burst=20, seconds=6, processes=2, threads=8)
    assert result["refused"] > 1000, result  # it really was hammered, far over the limit
    assert abs(result["admitted"] - 80) <= 1, result  # 20 + 10/s × 6 s
