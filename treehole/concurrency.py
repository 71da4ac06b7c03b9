"""A bound on the database connections one ASGI process can hold.

Under ASGI, Django runs each HTTP request's sync code in a thread of its own, so a connection
(thread-local) is opened per request in flight: the number of requests daphne runs at once *is*
the number of connections it holds. Persistent connections are off under ASGI
(``treehole/settings/database.py``: each one would be left behind with its thread — 24 parallel
logins once exhausted MariaDB's 151 connections and answered 500), and this ASGI middleware lets
at most ``ASGI_HTTP_CONCURRENCY`` HTTP requests run at once; the others wait (in the event loop,
holding nothing) up to ``ASGI_HTTP_QUEUE_SECONDS``, then get 503 ``unavailable`` with
``Retry-After`` instead of a connection error. Under WSGI the bound is gunicorn's threads (one
persistent connection each, reused).

WebSocket consumers are not counted here: their database calls run through
``database_sync_to_async``, which closes the connection after each call, on asgiref's bounded
executor.
"""

from __future__ import annotations

import asyncio
import weakref

import orjson
from django.conf import settings


class HttpConcurrencyLimit:
    """ASGI middleware: at most ``limit`` HTTP requests of this process run the app at once."""

    def __init__(self, app, *, limit: int | None = None, queue_seconds: float | None = None):
        self.app = app
        self._limit = limit
        self._queue_seconds = queue_seconds
        # One semaphore per event loop (daphne has one; tests may run several loops in turn).
        self._semaphores: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    @property
    def limit(self) -> int:
        return self._limit if self._limit is not None else settings.ASGI_HTTP_CONCURRENCY

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        semaphore = self._semaphores.get(loop)
        if semaphore is None:
            semaphore = self._semaphores[loop] = asyncio.Semaphore(self.limit)
        return semaphore

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        semaphore = self._semaphore()
        wait = self._queue_seconds if self._queue_seconds is not None else settings.ASGI_HTTP_QUEUE_SECONDS
        try:
            await asyncio.wait_for(semaphore.acquire(), timeout=wait)
        except TimeoutError:
            return await _busy(scope, send, retry_after=max(1, round(wait)))
        try:
            return await self.app(scope, receive, send)
        finally:
            semaphore.release()


async def _busy(scope, send, *, retry_after: int) -> None:
    """503 in the contract's shape (the pages get the same short text: no template engine here)."""
    message = "服务器正忙，请稍后再试。/ The server is busy, please try again shortly."
    if scope.get("path", "").startswith("/api/"):
        body = orjson.dumps({"error": {"code": "unavailable", "message": message}})
        content_type = b"application/json"
    else:
        body = message.encode("utf-8")
        content_type = b"text/plain; charset=utf-8"
    await send({
        "type": "http.response.start",
        "status": 503,
        "headers": [(b"content-type", content_type), (b"retry-after", str(retry_after).encode()),
                    (b"content-length", str(len(body)).encode())],
    })
    await send({"type": "http.response.body", "body": body})
