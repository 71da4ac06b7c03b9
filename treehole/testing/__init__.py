"""What every app's tests share: a JSON client, factories, real test files, and the pytest
plugin (``treehole.testing.plugin``, loaded by the root conftest) with the shared fixtures.

Test support sits above every app (it makes notes, users, comments), so it is outside the
layers that ``.importlinter`` checks, and no production module may import it.
"""

from treehole.testing.client import ApiClient, assert_error, auth_headers
from treehole.testing.counting import redis_round_trips
from treehole.testing.factories import CATEGORIES, DEFAULT_PASSWORD, make_categories, make_note, make_user, token_client

__all__ = [
    "CATEGORIES",
    "DEFAULT_PASSWORD",
    "ApiClient",
    "assert_error",
    "auth_headers",
    "make_categories",
    "make_note",
    "make_user",
    "redis_round_trips",
    "token_client",
]
