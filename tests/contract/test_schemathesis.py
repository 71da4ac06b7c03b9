"""The API fuzzed from its own schema (issue 14 "make it stay fixed"): schemathesis generates
requests for every operation in /api/v1/openapi.json — valid ones and, in its negative mode,
requests that break the schema — and sends them through the real WSGI application (every
middleware, MariaDB, Redis). Whatever it sends, the server never answers 5xx, and every error
is the contract's ``{"error": {"code", "message", "fields"?}}``.

Bounded (``SCHEMATHESIS_EXAMPLES`` examples per operation, derandomized so CI runs the same
cases) to stay well inside the suite's time; raise it locally to dig deeper:
``SCHEMATHESIS_EXAMPLES=500 make test PYTEST_ARGS=tests/contract``."""

from __future__ import annotations

import gzip
import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings as hypothesis_settings
from schemathesis import GenerationMode

from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections

from treehole.errors import STATUS_CODES

# The WSGI application treehole/wsgi.py serves (its module is not imported: it marks the process
# as a WSGI server, which the connection settings read).
application = WSGIHandler()

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])

# Every status the contract lets an error have (treehole/errors.py), plus 405 for a method an
# endpoint does not take and 401 / 403 / 404 that any operation may answer.
ERROR_CODES = set(STATUS_CODES.values()) | {"captcha_required", "invalid_credentials", "token_expired", "banned"}


def assert_contract_error(response) -> None:
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.startswith("application/json"), response.headers
    content = response.content
    if (response.headers.get("content-encoding") or [""])[0] == "gzip":  # GZipMiddleware, when asked
        content = gzip.decompress(content)
    body = json.loads(content)
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) <= {"code", "message", "fields"} and {"code", "message"} <= set(error), error
    assert isinstance(error["code"], str) and error["code"] in ERROR_CODES, error
    assert isinstance(error["message"], str) and error["message"], error
    if "fields" in error:
        fields = error["fields"]
        assert isinstance(fields, dict) and fields, error
        for name, messages in fields.items():
            assert isinstance(name, str) and isinstance(messages, list) and messages, error
            assert all(isinstance(message, str) and message for message in messages), error


@pytest.fixture
def one_connection():
    """Requests run inside the test's transaction (rolled back after it), as Django's test client
    runs them: the per-request connection clean-up would close that connection mid-test."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def member(db, one_connection, generous_limits, fast_hasher, categories):
    """A signed-in member who has written a note and a comment (so ids in the schema's examples
    and the member's lists lead somewhere)."""
    from treehole.testing import make_note, make_user
    from accounts.tokens import issue_pair

    user = make_user("fuzzer")
    make_note(user)
    return {"Authorization": f"Bearer {issue_pair(user)['access']}"}


@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_never_answers_5xx_and_errors_keep_their_shape(case, member):
    # Signed in for every case (a fuzzed Authorization header only ever reaches the 401 path,
    # which the auth tests cover), so the fuzzer gets past authentication into the views.
    case.headers = {**(case.headers or {}), **member}
    response = case.call()
    assert response.status_code < 500, (case.method, case.formatted_path, response.status_code, response.content[:500])
    if response.status_code >= 400:
        assert_contract_error(response)
