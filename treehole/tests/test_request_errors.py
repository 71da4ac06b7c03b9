"""Issue 14 item 9: bodies the parser cannot take answer in the contract's shape, never 500 — a
JSON body over DATA_UPLOAD_MAX_MEMORY_SIZE is 413 ``payload_too_large``, a multipart body without
a boundary is 400 ``invalid``."""

from __future__ import annotations

import pytest
from django.conf import settings

from treehole.testing import ApiClient, assert_error, make_user, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_signed_in(db):
    return token_client(make_user())


@pytest.mark.parametrize("path", ["/api/v1/notes", "/api/v1/auth/login", "/api/v1/uploads/sessions", "/api/v1/reports"])
def test_a_json_body_over_the_limit_is_413(client_signed_in, path):
    body = '{"title": "' + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + '"}'
    assert_error(client_signed_in.post_json(path, body), 413, "payload_too_large")


def test_a_json_patch_over_the_limit_is_413(client_signed_in):
    body = '{"bio": "' + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + '"}'
    response = client_signed_in.generic("PATCH", "/api/v1/me", body, content_type="application/json",
                                        HTTP_AUTHORIZATION=f"Bearer {client_signed_in.token}")
    assert_error(response, 413, "payload_too_large")


@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=\x7f"])
def test_multipart_without_a_usable_boundary_is_400(client_signed_in, content_type):
    response = client_signed_in.generic(
        "POST", "/api/v1/uploads/images", b"--x\r\nnot really\r\n", content_type=content_type,
        HTTP_AUTHORIZATION=f"Bearer {client_signed_in.token}",
    )
    assert_error(response, 400, "invalid")


def test_multipart_without_a_boundary_on_a_page_is_400_not_500(db):
    response = ApiClient().generic("POST", "/accounts/login/", b"abc", content_type="multipart/form-data")
    assert response.status_code == 400
