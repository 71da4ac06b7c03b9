"""Fixtures for tests that search (notes, account deletion, …): the index emptied around each
test (Mroonga tables are not transactional, so the test's rollback does not empty them), and the
same tests run against both engines — Mroonga in the test database, and FTS5 in a SQLite
database made for the test."""

from __future__ import annotations

import sqlite3

import pytest

from notes import search
from notes.search import load
from notes.search.backends import fts5

BACKENDS = ("mroonga", "fts5")


@pytest.fixture(params=BACKENDS)
def engine(request, settings, tmp_path, db):
    """The engine every search of the test goes through: notes are written to MariaDB as always,
    and their documents (on commit, by the services) to this engine."""
    load.reset()
    if request.param == "mroonga":
        settings.SEARCH_BACKEND = "mroonga"
        backend = search.get_backend()
        backend.clear()
        yield backend
        backend.clear()
        return
    raw = sqlite3.connect(tmp_path / "search.sqlite3", check_same_thread=False, isolation_level=None)
    fts5.install(raw)
    name = f"fts5-test-{id(raw)}"
    settings.SEARCH_BACKEND = name
    search._backends[name] = fts5.Fts5Backend(raw=raw)
    yield search._backends[name]
    del search._backends[name]
    raw.close()


@pytest.fixture
def mroonga(settings, db):
    """Only the real engine (tests of its SQL, migration and rebuild)."""
    load.reset()
    settings.SEARCH_BACKEND = "mroonga"
    backend = search.get_backend()
    backend.clear()
    yield backend
    backend.clear()
