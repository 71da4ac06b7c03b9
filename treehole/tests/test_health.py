import pytest

from tests.outage.support import redis_unreachable


@pytest.mark.django_db
def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok", "ratelimit": "ok"}


@pytest.mark.django_db
def test_healthz_names_redis_when_it_is_down(client, settings):
    with redis_unreachable(settings):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok" and body["redis"].startswith("error")


@pytest.mark.django_db
def test_unknown_api_path_and_wrong_method_get_the_error_shape(client):
    from treehole.testing import assert_error

    assert_error(client.get("/api/v1/definitely-not-here"), 404, "not_found")
    assert_error(client.put("/api/v1/me"), 405, "invalid")  # /me answers GET, PATCH and DELETE


@pytest.mark.django_db
def test_openapi_and_docs_are_served(client):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/auth/login" in schema.json()["paths"]
    assert client.get("/api/v1/docs").status_code == 200


@pytest.mark.django_db
def test_favicon_is_served(client):
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
