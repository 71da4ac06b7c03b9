"""Issue 14 item 5: daphne serving HTTP must not pile up database connections (24 parallel logins
exhausted MariaDB's 151 connections: CONN_MAX_AGE=60 kept one per request thread). Under ASGI
connections are not persistent and at most ASGI_HTTP_CONCURRENCY requests run at once, so the
process never holds more connections than that; under WSGI they persist (one per gunicorn thread).

Connections are counted from MariaDB itself (information_schema.PROCESSLIST of the test
database), while a real daphne process answers real concurrent HTTP requests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import MySQLdb
import pytest

from tests.e2e.support import LiveServer
from treehole.testing import DEFAULT_PASSWORD, make_user

ROOT = Path(__file__).resolve().parents[2]
BOUND = 3
PARALLEL = 24


def _root_connection():
    url = urlsplit(os.environ["DATABASE_URL"])
    return MySQLdb.connect(host=url.hostname, port=url.port or 3306, user=url.username or "root",
                           passwd=url.password or "", autocommit=True)


def _connections_of(cursor, database: str, exclude: tuple[int, ...]) -> int:
    cursor.execute(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = %s AND ID NOT IN %s",
        (database, exclude or (0,)),
    )
    return cursor.fetchone()[0]


class Sampler(threading.Thread):
    """Counts the test database's connections (other than the test's own) until stopped."""

    def __init__(self, database: str, exclude: tuple[int, ...]):
        super().__init__(daemon=True)
        self.database, self.exclude = database, exclude
        self.samples: list[int] = []
        self.done = threading.Event()

    def run(self):
        connection = _root_connection()
        cursor = connection.cursor()
        while not self.done.is_set():
            self.samples.append(_connections_of(cursor, self.database, self.exclude))
            self.done.wait(0.005)
        connection.close()


def _post_json(url: str, body: dict) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.django_db(transaction=True)
def test_parallel_asgi_requests_never_hold_more_connections_than_the_bound(tmp_path):
    from django.db import connection

    database = connection.settings_dict["NAME"]
    users = [make_user(f"conn{n}") for n in range(PARALLEL)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT CONNECTION_ID()")
        own = (cursor.fetchone()[0],)
    server = LiveServer(
        name="connections", database=database, workdir=tmp_path, worker_id=930,
        env={"ASGI_HTTP_CONCURRENCY": str(BOUND), "ASGI_HTTP_QUEUE_SECONDS": "120",
             "RATE_LOGIN_BURST": "1000", "RATE_ANON_BURST": "1000", "RATE_GLOBAL_BURST": "100000"},
    ).start()
    sampler = Sampler(database, own)
    try:
        sampler.start()
        with ThreadPoolExecutor(max_workers=PARALLEL * 2) as pool:
            logins = [pool.submit(_post_json, f"{server.url}/api/v1/auth/login", {"login": user.username, "password": DEFAULT_PASSWORD})
                      for user in users]
            lists = [pool.submit(_get, f"{server.url}/api/v1/notes?order=new&page=3") for _ in range(PARALLEL)]
            statuses = [future.result() for future in logins + lists]
        # Once answered, a request has given its connection back: nothing stays open.
        deadline = time.monotonic() + 30
        while sampler.samples[-1:] != [0] and time.monotonic() < deadline:
            time.sleep(0.05)
        sampler.done.set()
        sampler.join()
    finally:
        sampler.done.set()
        server.stop()
    assert statuses == [200] * (2 * PARALLEL), statuses
    assert max(sampler.samples) <= BOUND, max(sampler.samples)
    assert max(sampler.samples) >= 1  # the sampler did see the server's connections
    assert sampler.samples[-1] == 0


def _environment(**env) -> dict:
    clean = {key: value for key, value in os.environ.items() if key != "TREEHOLE_SERVER_INTERFACE"}
    return {**clean, **env}


def _settings_value(name: str, **env) -> str:
    environment = _environment(**env)
    code = ("import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','treehole.settings'); django.setup(); "
            f"from django.conf import settings; print(settings.{name})")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_connections_persist_only_under_wsgi():
    wsgi = "import treehole.wsgi; from django.conf import settings; print(settings.DATABASES['default']['CONN_MAX_AGE'])"
    asgi = "import treehole.asgi; from django.conf import settings; print(settings.DATABASES['default']['CONN_MAX_AGE'])"
    for code, expected in ((wsgi, "60"), (asgi, "0")):
        result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_environment(CONN_MAX_AGE="60"),
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().splitlines()[-1] == expected
    # Management commands and `runserver` (daphne) do not persist them either.
    assert _settings_value("DATABASES['default']['CONN_MAX_AGE']", CONN_MAX_AGE="60") == "0"
