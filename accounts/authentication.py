"""Who is calling the API: a Bearer JWT, or (for the pages' own JavaScript) the session cookie
with Django's CSRF check on unsafe methods."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja.utils import check_csrf

from accounts import tokens
from treehole.errors import Forbidden, Unauthenticated

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def api_user_or_none(request):
    """The caller, None when anonymous. A present but bad token is an error, not anonymity:
    the client must learn its token expired rather than silently see a signed-out view."""
    cached = getattr(request, "_treehole_api_user", False)
    if cached is not False:
        return cached
    user = None
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated(_("Authorization 头格式应为 Bearer <token>。"))
        user = tokens.user_for_access_token(token.strip())
        request.user = user
    else:
        session_user = getattr(request, "user", None)
        if session_user is not None and session_user.is_authenticated:
            if request.method not in SAFE_METHODS and not getattr(request, "_ninja_csrf_exempt", False):
                if check_csrf(request) is not None:
                    raise Forbidden(_("CSRF 校验失败，请刷新页面后重试。"))
            user = session_user
    request._treehole_api_user = user
    return user


class ApiAuth:
    """django-ninja auth callable: required authentication (401 ``unauthenticated`` otherwise)."""

    openapi_security_schema = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}

    def __call__(self, request):
        return api_user_or_none(request)


class OptionalApiAuth(ApiAuth):
    """Anonymous callers pass too (``request.auth`` is then the AnonymousUser marker ``True``)."""

    def __call__(self, request):
        return api_user_or_none(request) or True


api_auth = ApiAuth()
optional_api_auth = OptionalApiAuth()
