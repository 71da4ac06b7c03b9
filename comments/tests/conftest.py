"""Every comments test has the categories, the fast hasher and no rate limit in the way."""

import pytest


@pytest.fixture(autouse=True)
def _comments_defaults(categories, fast_hasher, generous_limits):
    return categories
