"""``?token=<access token>`` authentication for the chat WebSocket.

Browsers cannot set an ``Authorization`` header on a WebSocket, so API clients pass their JWT
in the query string. It sits inside Channels' ``AuthMiddlewareStack`` (which has already put the
session user in ``scope["user"]``): a token, when present, decides — a bad or expired one makes
the connection anonymous (the consumer then closes it with 4001), even if a session cookie came
along, so a client learns its token is stale instead of silently acting as someone else.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser

from accounts.tokens import user_for_access_token
from treehole.errors import DomainError


@database_sync_to_async
def _user_for_token(token: str):
    return user_for_access_token(token)


class TokenAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope, receive, send):
        scope = dict(scope)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        tokens = query.get("token")
        if tokens:
            try:
                scope["user"] = await _user_for_token(tokens[0])
                scope["auth_method"] = "token"
            except DomainError as exc:
                scope["user"] = AnonymousUser()
                scope["auth_error"] = exc.code
        elif "user" in scope:
            scope["auth_method"] = "session"
        return await self.inner(scope, receive, send)
