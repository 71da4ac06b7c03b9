"""`python -m treehole.checks`: fail at once, naming the service and how to start it, when the
test suite's MariaDB or Redis is unreachable."""

from __future__ import annotations

import os
import sys
from urllib.parse import urlparse

HOW_TO_START = {
    "MariaDB": "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd  (or: docker compose up -d db)",
    "Redis": "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no  (or: docker compose up -d redis)",
}


def check_mariadb(url: str) -> str | None:
    import MySQLdb

    parts = urlparse(url)
    try:
        connection = MySQLdb.connect(
            host=parts.hostname or "127.0.0.1", port=parts.port or 3306, user=parts.username or "root",
            passwd=parts.password or "", connect_timeout=3,
        )
        connection.close()
    except Exception as exc:  # noqa: BLE001
        return f"{exc}"
    return None


def check_redis(url: str) -> str | None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001
        return f"{exc}"
    return None


def main() -> int:
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    failures = []
    if database_url.startswith("mysql"):
        problem = check_mariadb(database_url)
        if problem:
            failures.append(("MariaDB", database_url, problem))
    if redis_url:
        problem = check_redis(redis_url)
        if problem:
            failures.append(("Redis", redis_url, problem))
    for name, url, problem in failures:
        print(f"✗ {name} is not reachable at {url}: {problem}\n  Start it with: {HOW_TO_START[name]}", file=sys.stderr)
    if not failures:
        print("✓ MariaDB and Redis are reachable.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
