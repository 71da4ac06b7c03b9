"""Real threads for concurrency tests: each with its own database connection, all released at once."""

from __future__ import annotations

import threading

from django.db import connection


def run_threads(count: int, target) -> list[BaseException]:
    """Start ``count`` threads on ``target(index, barrier)`` at once; their errors."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def wrapped(index):
        try:
            target(index, barrier)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors
