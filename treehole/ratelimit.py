"""Distributed token buckets in Redis: one Lua script checks and takes atomically, using Redis'
own clock, so every process (and every host) shares one bucket per key.

Use from a view (one line; GET/HEAD/OPTIONS pass untouched):
    @rate_limited("comment")
from a service or a consumer:
    ratelimit.enforce("comment", request=request, user=user)   # raises RateLimited (429)
    decision = ratelimit.take("chat", ratelimit.subject_for(user=user))   # just asks
Buckets are named in settings.RATE_LIMITS as {"action": (rate_per_second, burst)}. The global and
the anonymous per-IP buckets are taken by ``treehole.protection.RateLimitMiddleware``.

When Redis is unreachable the limiter fails open (logs, allows), except for the actions in
settings.RATE_LIMITS_FAIL_CLOSED (e-mail sending), which answer 503. It needs no breaker of its
own: the one client's breaker (treehole/redis.py) makes a dead Redis cost no connect per request.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from treehole.errors import RateLimited, Unavailable
from treehole.redis import LuaScript, key

logger = logging.getLogger(__name__)

# KEYS: one hash {tokens, ts} per bucket. ARGV[1]: cost; then per bucket: rate (tokens/s), capacity.
# All buckets are refilled, and the cost is taken from every one of them only when every one has
# it (a request refused by one bucket costs the others nothing).
# Returns {allowed (0/1), then per bucket: tokens left, seconds until a request of this cost would
# be admitted (the wait until the next token for cost 1; -1 when cost > capacity: never), seconds
# until the bucket is full again}; numbers as strings, since Redis truncates Lua numbers to integers.
# Time is Redis' TIME in integer microseconds (exact in a double), so every process shares one clock.
_TAKE = LuaScript(
    """
if redis.replicate_commands then redis.replicate_commands() end  -- Redis < 5: allow TIME before writes
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local cost = tonumber(ARGV[1])
local n = #KEYS
local tokens, rates, caps = {}, {}, {}
local allowed = 1
for i = 1, n do
  local rate = tonumber(ARGV[2 * i])
  local cap = tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', KEYS[i], 'tokens', 'ts')
  local tk = tonumber(state[1])
  local ts = tonumber(state[2])
  if tk == nil or ts == nil then
    tk = cap
    ts = now
  end
  local elapsed = now - ts
  if elapsed < 0 then elapsed = 0 end  -- the clock stepped back: never mint tokens from it
  tk = math.min(cap, tk + elapsed * rate / 1000000)
  if cost > cap or tk < cost then allowed = 0 end
  tokens[i], rates[i], caps[i] = tk, rate, cap
end
local out = {allowed}
for i = 1, n do
  local tk, rate, cap = tokens[i], rates[i], caps[i]
  if allowed == 1 then tk = tk - cost end
  local wait = 0
  if cost > cap then
    wait = -1
  elseif tk < cost then
    wait = (cost - tk) / rate
  end
  local full = (cap - tk) / rate
  redis.call('HSET', KEYS[i], 'tokens', string.format('%.17g', tk), 'ts', string.format('%.0f', now))
  -- Expire once the bucket would be full anyway: a missing key reads as a full bucket.
  redis.call('PEXPIRE', KEYS[i], math.ceil(full * 1000) + 1000)
  out[#out + 1] = string.format('%.17g', tk)
  out[#out + 1] = string.format('%.17g', wait)
  out[#out + 1] = string.format('%.17g', full)
end
return out
"""
)


@dataclass(frozen=True)
class Bucket:
    """One bucket to take from: ``action`` names its settings (and its key), ``subject`` whose it is."""

    action: str
    subject: str
    rate: float | None = None  # tokens per second; None: settings.RATE_LIMITS[action]
    burst: float | None = None  # capacity; None: settings.RATE_LIMITS[action]

    def limits(self) -> tuple[float, float]:
        configured = settings.RATE_LIMITS[self.action] if self.rate is None or self.burst is None else (None, None)
        rate = float(configured[0] if self.rate is None else self.rate)
        burst = float(configured[1] if self.burst is None else self.burst)
        if not (rate > 0 and burst > 0 and math.isfinite(rate) and math.isfinite(burst)):
            raise ValueError(f"Rate limit {self.action!r} needs a positive rate and burst, got {rate}/s, {burst}")
        return rate, burst


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int  # the burst (bucket capacity)
    remaining: int  # whole tokens left after this request
    retry_after: float  # seconds until the request would be admitted (0 when allowed; inf: never)
    reset_after: float = 0.0  # seconds until the bucket is full again
    action: str = ""

    @property
    def retry_seconds(self) -> float:
        """What to put in ``Retry-After`` (at least 1 s). A cost above the burst is never admitted;
        its answer names the time until the bucket is full again."""
        retry = self.retry_after if math.isfinite(self.retry_after) else self.reset_after
        return max(1.0, retry)


_last_logged: dict[str, float] = {}
LOG_EVERY_SECONDS = 10.0


def reset_log_throttle() -> None:
    """Log the next failure of every action again (tests that count log lines)."""
    _last_logged.clear()


def _run(buckets: list[Bucket], cost: float) -> tuple[bool, list[Decision]]:
    args: list[float] = [cost]
    limits = []
    for bucket in buckets:
        rate, burst = bucket.limits()
        limits.append(burst)
        args += [rate, burst]
    reply = _TAKE(keys=[key("rl", b.action, b.subject) for b in buckets], args=args)
    allowed = bool(int(reply[0]))
    decisions = []
    for i, (bucket, burst) in enumerate(zip(buckets, limits)):
        tokens, wait, full = (float(v) for v in reply[1 + 3 * i : 4 + 3 * i])
        never = wait < 0
        decisions.append(
            Decision(
                allowed=allowed,
                limit=int(burst),
                remaining=max(0, math.floor(tokens)),
                retry_after=0.0 if allowed else (math.inf if never else wait),
                reset_after=max(0.0, full),
                action=bucket.action,
            )
        )
    return allowed, decisions


def take_many(buckets: list[Bucket], *, cost: float = 1) -> tuple[bool, list[Decision]]:
    """Take ``cost`` from every bucket at once, or from none: one Redis round trip.

    Raises a ``RedisError`` when Redis cannot answer (``treehole.redis.RedisUnavailable`` at once
    while the client's breaker is open); callers choose to fail open or closed."""
    if not buckets:
        return True, []
    if not (cost >= 0 and math.isfinite(cost)):
        raise ValueError(f"cost must be a finite number >= 0, got {cost!r}")
    return _run(buckets, cost)


def take(action: str, subject: str, *, cost: float = 1, rate: float | None = None, burst: float | None = None) -> Decision:
    """Take ``cost`` tokens from the bucket ``action:subject``."""
    _allowed, (decision,) = take_many([Bucket(action, subject, rate, burst)], cost=cost)
    return decision


def most_limiting(decisions: list[Decision]) -> Decision:
    """The decision to show the client: the refusing bucket with the longest wait, else the one
    with the fewest tokens left."""
    return max(decisions, key=lambda d: (d.retry_after, -d.remaining / max(d.limit, 1)))


def probe() -> str:
    """For /healthz: run the real script against Redis. ``"ok"`` or why not."""
    try:
        _run([Bucket("health", "probe", rate=1, burst=1)], cost=0)
    except Exception as exc:  # noqa: BLE001 - any failure means the limiter cannot decide
        closed = ", ".join(settings.RATE_LIMITS_FAIL_CLOSED) or "nothing"
        return f"error: {exc.__class__.__name__} (failing open; closed for {closed})"
    return "ok"


def ip_subject(ip: str) -> str:
    """An IPv4 address is one subject; an IPv6 one counts as its /64, which one client owns."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return f"ip{ip}"
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return f"ip{address.ipv4_mapped}"
        return f"ip{ipaddress.ip_network(f'{address}/64', strict=False)}"
    return f"ip{address}"


def is_pre_login(action: str) -> bool:
    """Login, e-mail codes, registering, password reset: what a signed-out caller does to get in.
    These count against the IP whoever is signed in (settings.RATE_LIMITS_PRE_LOGIN)."""
    return action in settings.RATE_LIMITS_PRE_LOGIN


def subject_for(request=None, user=None, action: str | None = None) -> str:
    """Per user when signed in, else per client IP. A pre-login ``action`` is always per IP: a
    session or a token must not buy a second set of login / code / register / reset buckets."""
    from treehole.net import client_ip

    if action is not None and is_pre_login(action) and request is not None:
        return ip_subject(client_ip(request))
    if user is not None and getattr(user, "is_authenticated", False):
        return f"u{user.pk}"
    if request is not None:
        return ip_subject(client_ip(request))
    return "anonymous"


def target_subject(target: str) -> str:
    """The bucket subject of the account or address a pre-login action is aimed at."""
    return "t:" + (target or "").strip().lower()[:200]


def enforce_target(action: str, target: str) -> Decision | None:
    """The second bucket of a pre-login action: the same limits, counted per target account or
    address (so many IPs together cannot go past the action's rate against one account)."""
    return enforce(action, subject=target_subject(target))


def log_unavailable(action: str, closed: bool) -> None:
    now = time.monotonic()
    if now - _last_logged.get(action, -math.inf) < LOG_EVERY_SECONDS:
        return
    _last_logged[action] = now
    logger.error(
        "Rate limiter unavailable (Redis error) for %r; failing %s (logged at most every %ds)",
        action, "closed" if closed else "open", LOG_EVERY_SECONDS,
    )


def fail_closed_for(action: str) -> bool:
    return action in settings.RATE_LIMITS_FAIL_CLOSED


def enforce(
    action: str,
    *,
    request=None,
    user=None,
    subject: str | None = None,
    fail_closed: bool | None = None,
    cost: float = 1,
) -> Decision | None:
    """Raise ``RateLimited`` when the bucket is empty. When Redis is down: fail open (log and
    allow, returning None) unless the action is listed in RATE_LIMITS_FAIL_CLOSED (e.g. e-mail
    sending), which raises ``Unavailable`` (503)."""
    subject = subject or subject_for(request, user, action)
    try:
        decision = take(action, subject, cost=cost)
    except RedisError:
        closed = fail_closed_for(action) if fail_closed is None else fail_closed
        log_unavailable(action, closed)
        if closed:
            raise Unavailable(_("服务暂时不可用，请稍后再试。")) from None
        return None
    if request is not None:
        request.ratelimit_decision = decision  # RateLimitMiddleware turns it into RateLimit-* headers
    if not decision.allowed:
        raise RateLimited(retry_after=decision.retry_seconds)
    return decision


def rate_limited(action: str):
    """Decorator for API and page views: one line puts a write behind its bucket.

    The subject is the signed-in user (API ``request.auth`` or the session user), else the IP;
    a pre-login action (settings.RATE_LIMITS_PRE_LOGIN) is always the IP. Safe methods (GET, HEAD, OPTIONS) are not counted. An action missing from settings.RATE_LIMITS
    fails at import, not on the first write.
    """
    if action not in settings.RATE_LIMITS:
        raise ImproperlyConfigured(f"@rate_limited({action!r}): add {action!r} to settings.RATE_LIMITS")

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
