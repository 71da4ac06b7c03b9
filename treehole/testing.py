"""Test helpers shared by every app's tests: a JSON API client and factories."""

from __future__ import annotations

import json
import itertools

from django.test import Client

_counter = itertools.count(1)
DEFAULT_PASSWORD = "correct-horse-battery-9"


class ApiClient(Client):
    """Django's test client speaking JSON, with an optional Bearer token."""

    def __init__(self, *args, token: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.token = token

    def _headers(self, extra):
        headers = dict(extra)
        if self.token and "HTTP_AUTHORIZATION" not in headers:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"
        return headers

    def get_json(self, path, data=None, **extra):
        return self.get(path, data, **self._headers(extra))

    def post_json(self, path, data=None, **extra):
        body = data if isinstance(data, (str, bytes)) else json.dumps(data if data is not None else {})
        return self.post(path, body, content_type="application/json", **self._headers(extra))

    def patch_json(self, path, data=None, **extra):
        return self.patch(path, json.dumps(data or {}), content_type="application/json", **self._headers(extra))

    def put_json(self, path, data=None, **extra):
        return self.put(path, json.dumps(data or {}), content_type="application/json", **self._headers(extra))

    def delete_json(self, path, **extra):
        return self.delete(path, **self._headers(extra))


def make_user(username: str | None = None, password: str = DEFAULT_PASSWORD, **fields):
    from accounts.models import User

    n = next(_counter)
    username = username or f"user{n}"
    user = User(username=username, email=fields.pop("email", f"{username}@example.com"), **fields)
    user.set_password(password)
    user.save()
    return user


def token_client(user) -> ApiClient:
    from accounts.tokens import issue_pair

    return ApiClient(token=issue_pair(user)["access"])


def assert_error(response, status: int, code: str, *fields: str) -> dict:
    """The contract's error shape, with the given status, code and (optionally) field names."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert error["code"] == code, body
    assert isinstance(error["message"], str) and error["message"], body
    for field in fields:
        assert field in error.get("fields", {}), body
    return error
