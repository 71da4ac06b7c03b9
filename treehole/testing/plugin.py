"""The suite's one pytest plugin (``pytest_plugins`` in the root conftest): the service check,
the fixtures every app's tests share, and the one way on-commit callbacks run in tests.

Autouse, for every test:
- ``clean_redis``: the test's Redis db starts empty;
- ``commit_hooks``: on-commit callbacks run when the code under test commits (below);
- ``media_root``: files a test stores land in its own temporary folder, never in the repository.

On request: ``api_client``, ``categories``, ``author`` / ``other`` / ``staff`` (+ ``author_client``,
``other_client``), ``note``, ``fast_hasher``, ``generous_limits``. An app's conftest opts in to
the last two for all its tests with an autouse fixture that names them.
"""

from __future__ import annotations

import logging
import os

import pytest

from treehole.testing.client import ApiClient
from treehole.testing.factories import make_categories, make_note, make_user, token_client

logger = logging.getLogger(__name__)


def pytest_configure(config):
    # Fail at once, naming the service, when one is missing: never skip, never mock.
    from treehole.checks import check_mariadb, check_redis

    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith("mysql") or not redis_url:
        pytest.exit("Run the suite with `make test` (it points DATABASE_URL/REDIS_URL at MariaDB and Redis).", returncode=2)
    for name, problem in (("MariaDB", check_mariadb(database_url)), ("Redis", check_redis(redis_url))):
        if problem:
            pytest.exit(f"{name} is not reachable: {problem}. Start it (see `make check-services`).", returncode=2)


# --- for every test ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def clean_redis():
    """Each test starts with an empty dedicated Redis db."""
    from treehole.redis import get_redis

    get_redis().flushdb()
    yield


def _run_callbacks(callbacks) -> None:
    """Run on-commit callbacks as Django does after a real commit (robust ones log their error)."""
    for _savepoints, func, robust in callbacks:
        if robust:
            try:
                func()
            except Exception:  # noqa: BLE001 - Django logs a robust callback's failure and goes on
                logger.exception("Error calling %s in on_commit()", getattr(func, "__qualname__", func))
        else:
            func()


def _in_wrapping_transaction(request) -> bool:
    """Does pytest-django wrap this test in a transaction that is rolled back (never committed)?"""
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    if marker is None and "db" not in names:
        return False
    if (marker is not None and marker.kwargs.get("transaction")) or "transactional_db" in names or "live_server" in names:
        return False
    return True


@pytest.fixture(autouse=True)
def commit_hooks(request, monkeypatch):
    """Run on-commit callbacks when the code under test commits, as production does.

    pytest-django wraps a test in a transaction it rolls back, so Django never commits and
    ``on_commit`` callbacks (Redis writes, channel-layer sends, file deletions) would never run.
    Here they run when the outermost atomic block *of the code under test* ends without an
    error, and at once when the code registers one outside any block of its own (production is
    in autocommit there). Tests with ``transaction=True`` commit for real and need none of this.
    This is the suite's only way to run them: no test calls ``django_capture_on_commit_callbacks``.
    """
    if not _in_wrapping_transaction(request):
        yield
        return
    from django.db import connections, transaction

    request.getfixturevalue("_django_db_helper")
    connection = connections["default"]
    baseline = len(connection.atomic_blocks)  # pytest-django's own block(s)
    original_exit = transaction.Atomic.__exit__
    wrapper_class = type(connection)
    original_on_commit = wrapper_class.on_commit

    def exit_and_commit(self, exc_type, exc_value, traceback):
        result = original_exit(self, exc_type, exc_value, traceback)
        conn = transaction.get_connection(self.using)
        if exc_type is None and conn.in_atomic_block and len(conn.atomic_blocks) == baseline:
            while conn.run_on_commit:
                callbacks, conn.run_on_commit = conn.run_on_commit, []
                _run_callbacks(callbacks)
        return result

    def on_commit(self, func, robust=False):
        if self.in_atomic_block and len(self.atomic_blocks) == baseline:
            _run_callbacks([(set(), func, robust)])
        else:
            original_on_commit(self, func, robust)

    monkeypatch.setattr(transaction.Atomic, "__exit__", exit_and_commit)
    monkeypatch.setattr(wrapper_class, "on_commit", on_commit)
    yield


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Nothing a test stores lands in the repository: media and upload chunks go to its tmp_path."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.UPLOAD_CHUNK_DIR = tmp_path / "chunks"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


# --- on request -------------------------------------------------------------------------------


@pytest.fixture
def fast_hasher(settings):
    """For tests that make users by the dozen: Argon2 is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def generous_limits(settings):
    """Every rate-limit bucket out of the way, for tests that send many requests from one IP and
    user (the buckets themselves are tested in treehole/tests)."""
    settings.RATE_LIMITS = {action: (1e6, 1e6) for action in settings.RATE_LIMITS}


@pytest.fixture
def shipped_care(db):
    """The shipped crisis phrases, care card and hotlines, as the migration leaves them (a
    transactional test before this one may have emptied the tables)."""
    from django.apps import apps

    from moderation import care, care_defaults

    care_defaults.seed(apps)
    care.state.invalidate()


@pytest.fixture
def api_client():
    return ApiClient()


@pytest.fixture
def categories(db):
    return make_categories()


@pytest.fixture
def author(db):
    return make_user()


@pytest.fixture
def other(db):
    return make_user()


@pytest.fixture
def staff(db):
    return make_user(is_staff=True)


@pytest.fixture
def author_client(author):
    return token_client(author)


@pytest.fixture
def other_client(other):
    return token_client(other)


@pytest.fixture
def note(author, categories):
    return make_note(author)
