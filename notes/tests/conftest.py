"""Notes tests make users by the dozen and send many requests from one client."""

import pytest


@pytest.fixture(autouse=True)
def _notes_defaults(fast_hasher, generous_limits):
    """Every notes test: the fast hasher and no rate limit in the way."""
