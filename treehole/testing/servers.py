"""For tests that start servers of their own (daphne, redis-server, moto): a free port and the
test database's URL for the child process."""

from __future__ import annotations

import socket
from urllib.parse import quote

from django.conf import settings


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url_of_test_db() -> str:
    """The database pytest-django made for this run (its name, not the configured one)."""
    db = settings.DATABASES["default"]
    auth = quote(db["USER"] or "root", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"mysql://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 3306}/{db['NAME']}"
