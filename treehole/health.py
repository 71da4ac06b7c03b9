"""GET /healthz: is the database and Redis reachable, and can the rate limiter decide? 200 when all
are, 503 naming the failing one. ``ratelimit`` (an extension of the contract's keys) runs the
limiter's real Lua script; when it cannot, it says how the limiter behaves meanwhile (open for
reads, closed for e-mail sending)."""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from treehole import ratelimit
from treehole.redis import get_redis


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not ok", with its class named
        return f"error: {exc.__class__.__name__}"


def _check_redis() -> str:
    try:
        get_redis().ping()
        return "ok"
    except Exception as exc:  # noqa: BLE001
        return f"error: {exc.__class__.__name__}"


@never_cache
@require_GET
def healthz(request):
    body = {"status": "ok", "database": _check_database(), "redis": _check_redis(), "ratelimit": ratelimit.probe()}
    if any(value != "ok" for value in body.values()):
        body["status"] = "error"
        return JsonResponse(body, status=503)
    return JsonResponse(body)
