"""Every notifications test has the categories, the fast hasher and no rate limit in the way."""

import pytest


@pytest.fixture(autouse=True)
def _notifications_defaults(categories, fast_hasher, generous_limits):
    return categories
