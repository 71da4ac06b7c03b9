"""Fixtures for the notes tests: real MariaDB and Redis (see the root conftest), commit callbacks
that run when a service's transaction ends (as in production), users, categories and notes."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection, transaction

from treehole.testing import make_user, token_client

CATEGORIES = [("emotion", "情感"), ("study", "学业"), ("life", "生活"), ("help", "求助"), ("chat", "闲聊")]
_titles = itertools.count(1)


@pytest.fixture(autouse=True)
def commit_hooks(request, monkeypatch):
    """Inside a test's wrapping transaction Django never commits, so on_commit callbacks (all of
    notes' Redis writes) would never run. Run them when the outermost atomic block *of the code
    under test* ends, which is when they run in production. Tests marked transaction=True commit
    for real and need none of this."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or marker.kwargs.get("transaction"):
        yield
        return
    request.getfixturevalue("_django_db_helper")
    baseline = len(connection.atomic_blocks)
    original_exit = transaction.Atomic.__exit__

    def exit_and_commit(self, exc_type, exc_value, traceback):
        result = original_exit(self, exc_type, exc_value, traceback)
        conn = transaction.get_connection(self.using)
        if exc_type is None and conn.in_atomic_block and len(conn.atomic_blocks) == baseline:
            while conn.run_on_commit:
                callbacks, conn.run_on_commit = conn.run_on_commit, []
                for _sids, func, robust in callbacks:
                    if robust:
                        try:
                            func()
                        except Exception:  # noqa: BLE001 - as Django does for robust callbacks
                            pass
                    else:
                        func()
        return result

    monkeypatch.setattr(transaction.Atomic, "__exit__", exit_and_commit)
    yield


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    """Users are made by the dozen here; Argon2 is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def generous_limits(settings):
    """Tests send many requests from one IP and user; the buckets themselves are tested elsewhere."""
    limits = dict(settings.RATE_LIMITS)
    for action in ("global", "anon", "post", "vote"):
        limits[action] = (1e6, 1e6)
    settings.RATE_LIMITS = limits


@pytest.fixture
def categories(db):
    from notes.models import Category
    from notes.selectors import categories_changed

    rows = {}
    for order, (slug, name) in enumerate(CATEGORIES):
        rows[slug], _created = Category.objects.get_or_create(slug=slug, defaults={"name": name, "order": order})
    categories_changed()
    return rows


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


def create_note(author, *, category="emotion", anonymous=True, **fields):
    from notes.services import note_create

    n = next(_titles)
    return note_create(
        author=author,
        title=fields.pop("title", f"标题 {n}"),
        content=fields.pop("content", f"树洞里的第 {n} 句心里话"),
        category=category,
        anonymous=anonymous,
        **fields,
    )


@pytest.fixture
def note(author, categories):
    return create_note(author)
