"""The accounts app's Redis keys — one-time e-mail codes, login-failure counters, the token
version cache that open WebSockets check on every frame, and each user's open sockets — and the
login locks, whose home is the database.

The token version and the socket sets are caches of the database and of the live connections: a
flush costs one database read per user, and the sockets re-register on their next heartbeat.

When Redis fails (errors, times out, or the breaker in ``treehole.redis`` is open):

- **E-mail codes** live only in Redis (minutes-long, HMAC'd): sending, registering and resetting
  a password answer 503 ``unavailable`` (``Unavailable``) until it is back — never 500, and never a
  code that cannot be checked.
- **Login keeps working.** While the failure counter cannot be read, every password login needs
  the image captcha (django-simple-captcha, stored in MariaDB), so a real person still gets in and
  an attacker still pays a captcha per guess; failures in that time are not counted (the captcha
  is the brake), so no one is locked out by an outage.
- **Locks are never lifted by Redis.** A lock (the Nth failure inside the window) is written to
  the database (``LoginLock``) and checked there on every login, so neither an outage nor a Redis
  that comes back empty lets a locked pair in before its time. After a restart the counters start
  again, which costs at most one more window of attempts (each behind the captcha from the third).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from treehole import clock
from treehole.errors import Unavailable
from treehole.redis import LuaScript, get_redis, key

logger = logging.getLogger(__name__)


def _codes_unavailable(exc: RedisError) -> Unavailable:
    logger.warning("E-mail codes unavailable: Redis failed (%s)", exc.__class__.__name__)
    return Unavailable(_("验证码服务暂时不可用，请稍后再试。"))


def _digest(email: str, purpose: str, code: str) -> str:
    # Only an HMAC of the code is stored, so a Redis dump does not hand out live codes.
    message = f"{purpose}:{email}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _code_key(email: str, purpose: str) -> str:
    return key("email_code", purpose, email)


def _cooldown_key(email: str) -> str:
    return key("email_code", "cooldown", email)


def claim_send_slot(email: str) -> int:
    """0 when a code may be sent now (and the slot is taken), else the seconds to wait.
    ``Unavailable`` when Redis cannot answer."""
    redis = get_redis()
    try:
        if redis.set(_cooldown_key(email), "1", nx=True, ex=settings.EMAIL_CODE_RESEND_SECONDS):
            return 0
        return max(1, redis.ttl(_cooldown_key(email)))
    except RedisError as exc:
        raise _codes_unavailable(exc) from None


def release_send_slot(email: str) -> None:
    try:
        get_redis().delete(_cooldown_key(email))
    except RedisError:
        logger.warning("Could not release the e-mail code slot of an address (it expires by itself)")


def store_code(email: str, purpose: str) -> str:
    """A new code for the address (the previous one dies). ``Unavailable`` when Redis cannot answer."""
    code = f"{secrets.randbelow(10**6):06d}"
    redis = get_redis()
    try:
        with redis.pipeline(transaction=True) as pipe:
            pipe.delete(_code_key(email, purpose))
            pipe.hset(_code_key(email, purpose), mapping={"digest": _digest(email, purpose, code), "tries": 0})
            pipe.expire(_code_key(email, purpose), settings.EMAIL_CODE_TTL_SECONDS)
            pipe.execute()
    except RedisError as exc:
        raise _codes_unavailable(exc) from None
    return code


# Check-and-consume in one step: two concurrent requests can never both use one code, and the
# fifth wrong try deletes it.
_CHECK_CODE = LuaScript(
    """
local digest = redis.call('HGET', KEYS[1], 'digest')
if not digest then return 'missing' end
if digest == ARGV[1] then
  if ARGV[3] == '1' then redis.call('DEL', KEYS[1]) end
  return 'ok'
end
local tries = redis.call('HINCRBY', KEYS[1], 'tries', 1)
if tries >= tonumber(ARGV[2]) then redis.call('DEL', KEYS[1]) return 'dead' end
return 'wrong'
"""
)


def check_code(email: str, purpose: str, code: str, *, consume: bool) -> str:
    """'ok', 'wrong', 'dead' (too many wrong tries) or 'missing' (never sent, used or expired).
    ``Unavailable`` when Redis cannot answer."""
    try:
        return _CHECK_CODE(
            keys=[_code_key(email, purpose)],
            args=[_digest(email, purpose, code), settings.EMAIL_CODE_MAX_TRIES, "1" if consume else "0"],
        )
    except RedisError as exc:
        raise _codes_unavailable(exc) from None


def _failures_key(subject: str, ip: str) -> str:
    return key("login", "failures", subject, ip)


def login_lock_remaining(subject: str, ip: str) -> int:
    """Seconds left on a lock of this (account, IP) pair, 0 when not locked (from the database)."""
    from accounts.models import LoginLock

    until = LoginLock.objects.filter(subject=subject, ip=ip).values_list("locked_until", flat=True).first()
    if until is None:
        return 0
    return max(0, int((until - clock.now()).total_seconds() + 0.999))


def login_failures(subject: str, ip: str) -> int | None:
    """Failures of the pair inside the window; None when Redis cannot say."""
    try:
        return int(get_redis().get(_failures_key(subject, ip)) or 0)
    except RedisError as exc:
        logger.warning("Login failure counter unavailable (%s): every login needs the captcha", exc.__class__.__name__)
        return None


def login_captcha_needed(subject: str, ip: str) -> bool:
    """After LOGIN_CAPTCHA_AFTER_FAILURES failures, and always while the counter is unreadable."""
    failures = login_failures(subject, ip)
    return failures is None or failures >= settings.LOGIN_CAPTCHA_AFTER_FAILURES


# KEYS[1] the pair's counter; ARGV: window seconds, failures that lock. The locking failure resets
# the counter (the lock itself is written to the database by the caller).
_RECORD_FAILURE = LuaScript(
    """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if n >= tonumber(ARGV[2]) then redis.call('DEL', KEYS[1]) end
return n
"""
)


def record_login_failure(subject: str, ip: str) -> int | None:
    """Count a failure inside the window; the Nth locks the pair for LOGIN_LOCK_SECONDS (in the
    database). Returns the count, or None when Redis cannot count (the captcha guards meanwhile)."""
    try:
        failures = int(
            _RECORD_FAILURE(
                keys=[_failures_key(subject, ip)],
                args=[settings.LOGIN_FAILURE_WINDOW_SECONDS, settings.LOGIN_LOCK_AFTER_FAILURES],
            )
        )
    except RedisError as exc:
        logger.warning("Login failure not counted: Redis failed (%s)", exc.__class__.__name__)
        return None
    if failures >= settings.LOGIN_LOCK_AFTER_FAILURES:
        lock_pair(subject, ip, seconds=settings.LOGIN_LOCK_SECONDS)
    return failures


def lock_pair(subject: str, ip: str, *, seconds: int) -> None:
    """Lock the pair until now + ``seconds`` (a longer lock already there is kept)."""
    from accounts.models import LoginLock

    now = clock.now()
    until = now + timedelta(seconds=seconds)
    with transaction.atomic():
        LoginLock.objects.filter(locked_until__lt=now).delete()  # expired locks of anyone
        lock, created = LoginLock.objects.select_for_update().get_or_create(
            subject=subject, ip=ip, defaults={"locked_until": until}
        )
        if not created and lock.locked_until < until:
            LoginLock.objects.filter(pk=lock.pk).update(locked_until=until)


def clear_login_failures(subject: str, ip: str) -> None:
    """After a successful login (a failure here only leaves a counter that expires by itself)."""
    try:
        get_redis().delete(_failures_key(subject, ip))
    except RedisError:
        logger.warning("Could not clear the login failures of a pair (they expire with their window)")


# --- token versions (revocation of open WebSockets) ----------------------------------------------
# ``auth:tv:{user id}`` caches ``User.token_version``. The version only ever grows, so every write
# keeps the larger of the cached and the new value: a fill that read the database before a bump
# can never put the older version back after it (one round trip, no lease needed).

TOKEN_VERSION_TTL_SECONDS = 600  # bounds how long a missed write could leave a stale value


def _token_version_key(user_id: int) -> str:
    return key("auth", "tv", user_id)


_RAISE_TOKEN_VERSION = LuaScript(
    """
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
local new = tonumber(ARGV[1])
if new > current then current = new end
redis.call('SET', KEYS[1], string.format('%d', current), 'EX', ARGV[2])
return current
"""
)


def token_version_cached(user_id: int) -> int | None:
    """The cached version, None on a miss."""
    value = get_redis().get(_token_version_key(user_id))
    return int(value) if value is not None else None


def token_version_forget(user_id: int) -> None:
    """Drop the cached version (a repair after a bump failed to cache it): sockets read the
    database on their next frame."""
    get_redis().delete(_token_version_key(user_id))


def token_version_store(user_id: int, version: int) -> int:
    """Cache ``version`` unless a newer one is there; returns the cached version."""
    return int(_RAISE_TOKEN_VERSION(keys=[_token_version_key(user_id)], args=[int(version), TOKEN_VERSION_TTL_SECONDS]))


# --- open sockets per user (the per-user connection cap) -----------------------------------------
# ``ws:conns:{kind}:{user id}`` sorted set of channel names scored by their last heartbeat
# (Redis-clock ms). Entries older than the heartbeat timeout belong to sockets of a process that
# died without cleaning up; every call drops them first, so they never count against the cap.

def _sockets_key(kind: str, user_id: int) -> str:
    return key("ws", "conns", kind, user_id)


# KEYS[1] the set. ARGV: op (open|touch), member, timeout ms, cap. Returns 1 (counted) or 0 (refused).
_SOCKETS = LuaScript(
    """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local timeout = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%.0f', now - timeout))
if ARGV[1] == 'open' and not redis.call('ZSCORE', KEYS[1], ARGV[2]) then
  if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
end
redis.call('ZADD', KEYS[1], string.format('%.0f', now), ARGV[2])
redis.call('PEXPIRE', KEYS[1], 2 * timeout + 1000)
return 1
"""
)


def socket_open(*, kind: str, user_id: int, channel: str, cap: int, timeout_seconds: float) -> bool:
    """Count a new socket of the user, unless they already have ``cap`` live ones."""
    timeout = max(1, int(timeout_seconds * 1000))
    return bool(int(_SOCKETS(keys=[_sockets_key(kind, user_id)], args=["open", channel, timeout, int(cap)])))


def socket_touch(*, kind: str, user_id: int, channel: str, timeout_seconds: float) -> None:
    """A heartbeat: the socket is alive (and counted again if Redis had lost it)."""
    timeout = max(1, int(timeout_seconds * 1000))
    _SOCKETS(keys=[_sockets_key(kind, user_id)], args=["touch", channel, timeout, 0])


def socket_close(*, kind: str, user_id: int, channel: str) -> None:
    get_redis().zrem(_sockets_key(kind, user_id), channel)


# KEYS: one set per user. ARGV[1]: timeout ms. Returns 1/0 per key: has a socket within the timeout.
_SOCKETS_ALIVE = LuaScript(
    """
local t = redis.call('TIME')
local since = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(ARGV[1])
local out = {}
for i = 1, #KEYS do
  out[i] = redis.call('ZCOUNT', KEYS[i], string.format('%.0f', since), '+inf') > 0 and 1 or 0
end
return out
"""
)


def sockets_alive_among(*, kind: str, user_ids, timeout_seconds: float) -> set[int]:
    """Which of ``user_ids`` have a live socket of ``kind`` (one round trip per 1,000 users): a
    sender of broadcast frames skips everyone else."""
    user_ids = list(user_ids)
    timeout = max(1, int(timeout_seconds * 1000))
    prefix = _sockets_key(kind, "")  # the key of user N is prefix + N
    alive: set[int] = set()
    for start in range(0, len(user_ids), 1000):
        chunk = user_ids[start:start + 1000]
        flags = _SOCKETS_ALIVE(keys=[f"{prefix}{user_id}" for user_id in chunk], args=[timeout])
        alive.update(user_id for user_id, flag in zip(chunk, flags) if int(flag))
    return alive
