"""Backend CORS (django-cors-headers): only listed origins, credentials only for them, preflight
answered for the API with the Authorization header allowed, and nothing outside /api/."""

import pytest

pytestmark = pytest.mark.django_db

ALLOWED = "https://app.treehole.example"
REFUSED = "https://evil.example"


@pytest.fixture(autouse=True)
def allow_list(settings):
    settings.CORS_ALLOWED_ORIGINS = [ALLOWED]


def preflight(client, origin, path="/api/v1/auth/login", method="POST", request_headers="authorization, content-type"):
    return client.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=request_headers,
    )


def test_preflight_from_an_allowed_origin_allows_authorization(client):
    response = preflight(client, ALLOWED)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert response["Access-Control-Allow-Credentials"] == "true"
    allowed_headers = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "x-csrftoken", "x-chunk-sha256"} <= allowed_headers
    assert {"POST", "PUT", "PATCH", "DELETE"} <= {m.strip() for m in response["Access-Control-Allow-Methods"].split(",")}
    assert int(response["Access-Control-Max-Age"]) > 0
    assert "origin" in response["Vary"].lower()


def test_preflight_from_a_refused_origin_gets_no_cors_headers(client):
    response = preflight(client, REFUSED)
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Credentials" not in response
    assert "Access-Control-Allow-Headers" not in response


def test_actual_request_from_an_allowed_origin(client):
    response = client.get("/api/v1/openapi.json", HTTP_ORIGIN=ALLOWED)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert response["Access-Control-Allow-Credentials"] == "true"
    exposed = {h.strip() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {"Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= exposed


def test_actual_request_from_a_refused_origin(client):
    response = client.get("/api/v1/openapi.json", HTTP_ORIGIN=REFUSED)
    assert response.status_code == 200  # the server answers; the browser keeps it from the page
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Credentials" not in response


def test_errors_carry_cors_headers_so_the_client_can_read_them(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "global": (0.001, 0.5)}  # refuses everything
    response = client.get("/api/v1/openapi.json", HTTP_ORIGIN=ALLOWED)
    assert response.status_code == 429
    assert response["Access-Control-Allow-Origin"] == ALLOWED


def test_pages_are_not_cors_enabled(client):
    response = client.get("/accounts/login/", HTTP_ORIGIN=ALLOWED)
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Origin" not in preflight(client, ALLOWED, path="/accounts/login/")


def test_the_allow_list_comes_from_the_environment(settings):
    import os
    import subprocess
    import sys

    env = {**os.environ, "CORS_ALLOWED_ORIGINS": "https://a.example,https://b.example"}
    code = "import treehole.settings as s; print(s.CORS_ALLOWED_ORIGINS)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=settings.BASE_DIR)
    assert out.stdout.strip() == "['https://a.example', 'https://b.example']"
