"""Comments tests share the notes tests' fixtures: commit callbacks that run when a service's
transaction ends (as in production), a media root per test, generous rate limits, categories."""

from notes.tests.conftest import categories, commit_hooks, generous_limits, media_root  # noqa: F401

import pytest


@pytest.fixture(autouse=True)
def _categories(categories):  # noqa: F811 - every comments test needs the categories
    return categories


@pytest.fixture(autouse=True)
def _comment_limits(settings):
    limits = dict(settings.RATE_LIMITS)
    limits["comment"] = (1e6, 1e6)
    settings.RATE_LIMITS = limits
