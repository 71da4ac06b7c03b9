"""Distributed token buckets in Redis: one Lua script checks and takes atomically, using Redis'
own clock, so every process (and every host) shares one bucket per key.

Use from a service or view:
    ratelimit.enforce("comment", request=request, user=user)   # raises RateLimited (429)
Buckets are named in settings.RATE_LIMITS as {"action": (rate_per_second, burst)}.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from treehole.errors import RateLimited, Unavailable
from treehole.redis import LuaScript, key

logger = logging.getLogger(__name__)

# KEYS[1] bucket hash {tokens, ts}; ARGV: rate (tokens/s), capacity, cost.
# Returns {allowed (0/1), tokens left (string, fractional), seconds until enough tokens (string)}.
_TAKE = LuaScript(
    """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
if cost > capacity then
  return {0, '0', '-1'}
end
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
local elapsed = now - ts
if elapsed < 0 then elapsed = 0 end  -- a clock step back never mints tokens
tokens = math.min(capacity, tokens + elapsed * rate)
local allowed = 0
local wait = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  wait = (cost - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
return {allowed, tostring(tokens), tostring(wait)}
"""
)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    retry_after: float  # seconds until the request would be admitted (0 when allowed)


def take(action: str, subject: str, *, cost: float = 1, rate: float | None = None, burst: float | None = None) -> Decision:
    """Take ``cost`` tokens from the bucket ``action:subject``."""
    configured_rate, configured_burst = settings.RATE_LIMITS[action]
    rate = configured_rate if rate is None else rate
    burst = configured_burst if burst is None else burst
    allowed, tokens, wait = _TAKE(keys=[key("rl", action, subject)], args=[rate, burst, cost])
    wait = float(wait)
    return Decision(
        allowed=bool(int(allowed)),
        limit=int(burst),
        remaining=int(float(tokens)),
        retry_after=float("inf") if wait < 0 else wait,
    )


def subject_for(request=None, user=None) -> str:
    """Per user when signed in, else per client IP."""
    from treehole.net import client_ip

    if user is not None and getattr(user, "is_authenticated", False):
        return f"u{user.pk}"
    if request is not None:
        return f"ip{client_ip(request)}"
    return "anonymous"


def enforce(action: str, *, request=None, user=None, subject: str | None = None, fail_closed: bool | None = None) -> Decision | None:
    """Raise ``RateLimited`` when the bucket is empty. When Redis is down: fail open (log and
    allow) unless the action is listed in RATE_LIMITS_FAIL_CLOSED (e.g. e-mail sending)."""
    subject = subject or subject_for(request, user)
    try:
        decision = take(action, subject)
    except RedisError:
        closed = action in settings.RATE_LIMITS_FAIL_CLOSED if fail_closed is None else fail_closed
        logger.error("Rate limiter unavailable (Redis error) for %s; failing %s", action, "closed" if closed else "open")
        if closed:
            raise Unavailable(_("服务暂时不可用，请稍后再试。")) from None
        return None
    if request is not None:
        request.ratelimit_decision = decision
    if not decision.allowed:
        raise RateLimited(retry_after=decision.retry_after if decision.retry_after != float("inf") else 60)
    return decision


def rate_limited(action: str):
    """Decorator for API and page views: one line puts a write behind its bucket.

    The subject is the signed-in user (API ``request.auth`` or the session user), else the IP.
    """
    import functools

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in ("GET", "HEAD", "OPTIONS"):
                return view(request, *args, **kwargs)
            user = getattr(request, "auth", None)
            if not getattr(user, "is_authenticated", False):
                user = getattr(request, "user", None)
            enforce(action, request=request, user=user)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
