"""Suite-wide fixtures. Tests run against the real MariaDB and Redis (see the Makefile's `test`)."""

from __future__ import annotations

import os

import pytest


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


@pytest.fixture(autouse=True)
def clean_redis():
    """Each test starts with an empty dedicated Redis db."""
    from treehole.redis import get_redis

    get_redis().flushdb()
    yield


@pytest.fixture
def api_client():
    from treehole.testing import ApiClient

    return ApiClient()
