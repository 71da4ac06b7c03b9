"""The API as a test talks to it: Django's test client speaking JSON, and the contract's error shape."""

from __future__ import annotations

import json

from django.test import Client


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

    def delete_json(self, path, data=None, **extra):
        if data is None:
            return self.delete(path, **self._headers(extra))
        body = data if isinstance(data, (str, bytes)) else json.dumps(data)
        return self.delete(path, body, content_type="application/json", **self._headers(extra))


def auth_headers(client) -> dict:
    """Headers that sign a raw (non-JSON) request of a token client in."""
    token = getattr(client, "token", None)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}


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
