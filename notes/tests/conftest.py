"""Notes tests make users by the dozen and send many requests from one client."""

import pytest


@pytest.fixture(autouse=True)
def _notes_defaults(fast_hasher, generous_limits):
    """Every notes test: the fast hasher and no rate limit in the way."""


@pytest.fixture(autouse=True)
def empty_search_index(request):
    """Mroonga tables are not transactional: a test's rollback leaves its notes' search documents
    behind. Every database test here starts with an empty index instead."""
    if request.node.get_closest_marker("django_db") is None and not {"db", "transactional_db"} & set(request.fixturenames):
        yield
        return
    request.getfixturevalue("_django_db_helper")
    from notes.search import get_backend

    get_backend().clear()
    yield
