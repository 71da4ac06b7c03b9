"""Protection middleware: the global and anonymous per-IP token buckets, the ``RateLimit-*``
headers, friendly pages for refused page requests, and the per-request parts of the CSP.

``RateLimitMiddleware`` sits after ``AuthenticationMiddleware`` (it may need to know whether a
session belongs to someone) and before ``ApiErrorShapeMiddleware``. Per request it makes one Redis
round trip (two for a request that carries a session cookie of a signed-out visitor):
- every request takes from the ``global`` bucket (one bucket for the whole site);
- a signed-out request also takes from its IP's ``anon`` bucket, in the same script call;
- a write view decorated with ``@rate_limited(action)`` takes from its own bucket (per user,
  per IP when signed out) — see ``treehole/ratelimit.py``.
The bucket that decided a request (the action's, else the IP's; the global one only when it
refuses) is described by ``RateLimit-Limit`` / ``-Remaining`` / ``-Reset`` on the answer.
"""

from __future__ import annotations

import functools
import logging
import math

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from treehole import clock, hooks, ratelimit
from treehole.errors import Banned, RateLimited, Unavailable, json_error
from treehole.middleware import API_PREFIX
from treehole.net import client_ip

logger = logging.getLogger(__name__)

GLOBAL_BUCKET = ratelimit.Bucket("global", "all")


def ratelimit_headers(response, decision: ratelimit.Decision) -> None:
    response["RateLimit-Limit"] = str(decision.limit)
    response["RateLimit-Remaining"] = str(decision.remaining)
    response["RateLimit-Reset"] = str(math.ceil(decision.reset_after))


def friendly_page(request, *, status: int, title: str, message: str, retry_after: float | None = None) -> HttpResponse:
    """The HTML answer to a refused page request. ``request`` may be None: when shedding load the
    page is rendered without context processors, so it costs no database query."""
    seconds = max(1, math.ceil(retry_after)) if retry_after else None
    context = {"status": status, "title": title, "message": message, "retry_after": seconds}
    response = HttpResponse(render_to_string("429.html", context, request=request), status=status)
    if seconds:
        response["Retry-After"] = str(seconds)
    add_never_cache_headers(response)
    return response


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


@functools.lru_cache(maxsize=4096)
def _access_token_expiry(token: str) -> float | None:
    """The expiry of a well-signed access token, None for any other string. Cached: a client
    sends the same token for hours, and checking the signature costs more than the Redis call.
    Tokens are accounts' business: it registers the decoder under the ``access_token_expiry`` hook."""
    for expiry in hooks.get_hooks("access_token_expiry"):
        return expiry(token)
    return None


def _signed_in(request) -> bool | None:
    """True / False when it is cheap to tell (no database query), None when only the session can.

    A Bearer token is checked by signature and expiry alone (revocation needs the database; the
    view checks it and answers 401 anyway). A bad or missing token without a session cookie is a
    signed-out caller."""
    scheme, _sep, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        expiry = _access_token_expiry(token.strip())
        if expiry is not None and expiry > clock.now().timestamp():
            return True
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    return False


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(tuple(settings.RATE_LIMIT_EXEMPT_PATHS)):
            refusal = self._check(request)
            if refusal is not None:
                return refusal
        response = self.get_response(request)
        decision = getattr(request, "ratelimit_decision", None)
        if decision is not None and not response.has_header("RateLimit-Limit"):
            ratelimit_headers(response, decision)
        return response

    def _check(self, request):
        """Take from the global bucket, and from the IP's when the caller is signed out.
        Fails open (logged) when Redis cannot answer."""
        anon = ratelimit.Bucket("anon", ratelimit.ip_subject(client_ip(request)))
        signed_in = _signed_in(request)
        try:
            allowed, decisions = ratelimit.take_many([GLOBAL_BUCKET] if signed_in is not False else [GLOBAL_BUCKET, anon])
            if allowed and signed_in is None and not request.user.is_authenticated:
                allowed, more = ratelimit.take_many([anon])
                decisions += more
        except RedisError:
            ratelimit.log_unavailable("global", closed=False)
            return None
        if allowed:
            request.ratelimit_global = decisions[0]  # how busy the site is: search sheds on it
            if len(decisions) > 1:
                request.ratelimit_decision = decisions[-1]  # the IP's bucket; the global one stays private
            return None
        refused = ratelimit.most_limiting(decisions)
        request.ratelimit_decision = refused
        if refused.action == "global":
            message = _("树洞现在太忙了，请稍后再试。")
        else:
            message = str(RateLimited.default_message)
        retry_after = refused.retry_seconds
        if _is_api(request):
            response = json_error(429, "rate_limited", message, retry_after=retry_after)
        else:
            response = friendly_page(None, status=429, title=_("操作太频繁"), message=message, retry_after=retry_after)
        ratelimit_headers(response, refused)
        return response

    def process_exception(self, request, exception):
        """A page view that raised a refusal gets a friendly page instead of a 500; under /api/
        ``ApiErrorShapeMiddleware`` and the API's handlers give the JSON shape."""
        if _is_api(request):
            return None
        if isinstance(exception, RateLimited):
            return friendly_page(request, status=429, title=_("操作太频繁"), message=exception.message,
                                 retry_after=exception.retry_after or 1)
        if isinstance(exception, Banned):
            return friendly_page(request, status=403, title=_("账号已被封禁"), message=exception.message)
        if isinstance(exception, Unavailable):
            return friendly_page(request, status=503, title=_("服务暂时不可用"), message=exception.message,
                                 retry_after=exception.retry_after)
        if isinstance(exception, RedisError):  # the net under a page without its own fallback
            logger.warning("Redis failed under %s (%s): answered 503", request.path, exception.__class__.__name__)
            return friendly_page(request, status=503, title=_("服务暂时不可用"), message=str(Unavailable.default_message),
                                 retry_after=5)
        return None


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, plus what the static policy in settings cannot say: ``connect-src``
    also names this host's WebSocket origin (``ws://host``, or ``wss://host`` over HTTPS), which
    CSP 3 browsers already grant through ``'self'`` and older ones need spelled out.

    Checked in headless Chromium with a report-uri (see docs/protection.md): the pages, the
    admin and django-ninja's bundled Swagger UI at /api/v1/docs raise no violation."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        try:
            host = request.get_host()
        except DisallowedHost:
            return parts
        update = dict(parts.update or {})
        update["connect-src"] = [*update.get("connect-src", []), f"{'wss' if request.is_secure() else 'ws'}://{host}"]
        parts.update = update
        return parts
