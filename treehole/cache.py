"""Cache-aside with the seed's four protections: the one implementation (lock, lease, version,
backoff) every app's cache uses — notes' cards and counts, the category list, comments' threads.

- **Penetration** (缓存穿透): a key the database does not have either is cached as *absent*
  (a hash holding only ``ABSENT_FIELD``) for a short, jittered TTL, so a flood of requests for
  missing ids reaches the database once per id.
- **Breakdown** (缓存击穿): a miss takes a short Redis lock before loading (single flight). The one
  holder loads and fills; everyone else polls the key until it appears (or the lock is gone, when
  one of them takes over), so N concurrent cold requests make one database query, not N. A waiter
  that runs out of patience loads by itself: a slow answer, never an error.
- **Avalanche** (缓存雪崩): every TTL gets random jitter (``jittered``); what must never expire (the
  rankings' cards) is kept without a TTL by the caller's ``persist_sets`` rule.
- **Consistency** (一致性): writers change the database, then on commit delete the cached key *and
  its lease* (``invalidate``). A filler takes the lease token (creating one when there is none)
  *before* it reads the database and writes only if the token is still the same, so a fill that
  read the database before a write can never land after it. Callers whose rows carry a version may
  also pass ``version_key``/``version``: a fill older than the last applied version is refused.
  The seed's delayed second delete is the caller's persisted background task (see notes/tasks.py).

Values are Redis hashes of strings (``fill`` writes them whole) or plain strings (``mode="s"``);
a cache of another shape (comments' list of hashes) keeps its own read and fill scripts and runs
them through ``single_flight`` (``mode="exists"``), which gives it the same lock, lease and backoff.

Every TTL here is named (``Policy``); every key a script touches is one of its ``KEYS``.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from treehole.redis import LuaScript, get_redis

ABSENT_FIELD = "__absent__"
ABSENT_VALUE = "\x00absent"  # the string-mode marker


@dataclass(frozen=True)
class Policy:
    """TTLs in seconds; ``ttl=0`` keeps the value until it is invalidated."""

    ttl: int
    absent_ttl: int = 60
    jitter: float = 0.1  # fraction of the TTL added at random (0.1 -> up to +10 %)
    lock_ms: int = 3000  # how long a filler may hold the single-flight lock
    wait_seconds: float = 3.0  # how long a waiter polls before loading by itself
    lease_seconds: int = 60  # how long a lease token lives (longer than any fill takes)


def jittered(seconds: int, jitter: float = 0.1) -> int:
    """``seconds`` plus up to ``jitter`` of it at random, so keys written together expire apart."""
    if seconds <= 0:
        return 0
    return int(seconds + random.uniform(0, seconds * jitter))  # noqa: S311 - not security


def lock_key(key: str) -> str:
    return f"{key}:lock"


# Lua snippet for app scripts that want to hand out a lease in the same round trip as their read.
LEASE_TAKE_LUA = """
local function lease_take(lease_key, nonce, seconds)
  local token = redis.call('GET', lease_key)
  if not token then
    redis.call('SET', lease_key, nonce, 'EX', seconds)
    token = nonce
  end
  return token
end
"""

# KEYS[1] value, KEYS[2] lock; ARGV[1] lock token, ARGV[2] lock ms, ARGV[3] mode (h|s|exists).
# Returns {1, value} when the value is there (no lock taken), {2} when the lock was taken, {0} else.
_ACQUIRE = LuaScript(
    """
local function current()
  if ARGV[3] == 'h' then
    local h = redis.call('HGETALL', KEYS[1])
    if #h > 0 then return h end
  elseif ARGV[3] == 's' then
    local s = redis.call('GET', KEYS[1])
    if s then return s end
  elseif redis.call('EXISTS', KEYS[1]) == 1 then
    return '1'
  end
  return nil
end
local v = current()
if v then return {1, v} end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {2} end
return {0}
"""
)

_RELEASE = LuaScript(
    """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
)

_LEASE_TAKE = LuaScript(LEASE_TAKE_LUA + "return lease_take(KEYS[1], ARGV[1], ARGV[2])")

# KEYS[1] value, KEYS[2] lease, KEYS[3] version key, KEYS[4..] sorted sets that, when they hold
# ARGV[5], keep the value without a TTL.
# ARGV[1] lease token, ARGV[2] ttl seconds (0: none), ARGV[3] version ('' when unversioned),
# ARGV[4] mode (h|s), ARGV[5] member, ARGV[6..] the string value (s) or field/value pairs (h).
_FILL = LuaScript(
    """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
if ARGV[3] ~= '' then
  local applied = tonumber(redis.call('GET', KEYS[3]) or '-1')
  if tonumber(ARGV[3]) < applied then return 0 end
end
redis.call('DEL', KEYS[1])
if ARGV[4] == 'h' then
  redis.call('HSET', KEYS[1], unpack(ARGV, 6))
else
  redis.call('SET', KEYS[1], ARGV[6])
end
local keep = false
for i = 4, #KEYS do
  if redis.call('ZSCORE', KEYS[i], ARGV[5]) then keep = true end
end
local ttl = tonumber(ARGV[2])
if (not keep) and ttl > 0 then redis.call('EXPIRE', KEYS[1], ttl) end
return 1
"""
)


def release_lock(name: str, token: str) -> None:
    """Delete a lock only if it is still ours (it may have expired and been taken by another)."""
    _RELEASE(keys=[name], args=[token])


def lease_take(lease_key: str, *, seconds: int = 60, client=None) -> str:
    """The current lease token of a key (made when there is none). Take it *before* reading the
    database for a fill."""
    return _LEASE_TAKE(keys=[lease_key], args=[secrets.token_hex(8), seconds], client=client)


def invalidate(*keys: str, lease_key: str, client=None) -> None:
    """Delete cached keys and their lease in one command: every fill in flight is refused."""
    (client or get_redis()).delete(*keys, lease_key)


def fill(
    key: str,
    value: Mapping[str, str] | str | None,
    *,
    lease_key: str,
    token: str,
    policy: Policy,
    version: int | None = None,
    version_key: str | None = None,
    persist_sets: Sequence[str] = (),
    member: str = "",
    mode: str = "h",
    client=None,
) -> bool | None:
    """Write ``value`` (None = cache the absence) if the lease is unchanged and the version is not
    older than the last applied one. With a pipeline as ``client`` it is queued (returns None)."""
    if value is None or value == {}:
        ttl, persist_sets = jittered(policy.absent_ttl, policy.jitter), ()
        payload = [ABSENT_FIELD, "1"] if mode == "h" else [ABSENT_VALUE]
    elif isinstance(value, str):
        mode, ttl, payload = "s", jittered(policy.ttl, policy.jitter), [value]
    else:
        mode, ttl = "h", jittered(policy.ttl, policy.jitter)
        payload = [part for item in value.items() for part in item]
    keys = [key, lease_key, version_key or lease_key, *persist_sets]
    args = [token, ttl, "" if version is None or version_key is None else version, mode, member, *payload]
    result = _FILL(keys=keys, args=args, client=client)
    return bool(result) if client is None else None


def _decode(mode: str, raw) -> dict | str | None:
    """A raw cached value as the caller's value (None for the absent marker)."""
    if mode == "h":
        mapping = dict(zip(raw[::2], raw[1::2])) if isinstance(raw, list) else dict(raw)
        return None if ABSENT_FIELD in mapping else mapping
    return None if raw == ABSENT_VALUE else raw


HIT, LOCKED, BUSY = 1, 2, 0


def single_flight(
    key: str,
    *,
    lease_key: str,
    policy: Policy,
    load: Callable[[], object],
    store: Callable[[object, str], object],
    mode: str = "h",
) -> tuple[bool, object]:
    """Fill ``key`` on a miss, once for any number of concurrent callers.

    The caller that takes the lock takes the lease token, loads from the database and
    ``store(value, token)``s it (a fill script that writes only while the lease is unchanged);
    the others poll with a growing pause until the value appears — or the lock is free again and
    one of them takes over. A caller out of patience loads by itself: a slow answer, never an error.
    Returns ``(True, raw cached value)`` when another caller filled it (for ``mode="exists"`` the
    caller reads it with its own script), ``(False, loaded value)`` otherwise.
    """
    deadline = time.monotonic() + policy.wait_seconds
    delay = 0.004
    while True:
        lock_token = secrets.token_hex(8)
        got = _ACQUIRE(keys=[key, lock_key(key)], args=[lock_token, policy.lock_ms, mode])
        if int(got[0]) == HIT:
            return True, got[1]
        if int(got[0]) == LOCKED:
            try:
                token = lease_take(lease_key, seconds=policy.lease_seconds)
                value = load()
                store(value, token)
                return False, value
            finally:
                release_lock(lock_key(key), lock_token)
        if time.monotonic() >= deadline:
            # The filler is stuck or its fills keep being refused by writes: serve from the source.
            return False, load()
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def read_through(
    key: str,
    *,
    lease_key: str,
    load: Callable[[], Mapping[str, str] | str | None],
    policy: Policy,
    mode: str = "h",
    version_field: str | None = None,
    version_key: str | None = None,
    persist_sets: Sequence[str] | Callable[[Mapping[str, str]], Sequence[str]] = (),
    member: str = "",
    peek: Callable[[], object] | None = None,
) -> dict | str | None:
    """The cached value of ``key`` or, on a miss, the loaded one (filled once, single flight).

    Returns the mapping (or string), or None when the row does not exist (cached as absent).
    ``peek`` lets a caller that already read the key (e.g. in a Lua script that also counted a
    visit) skip the first read: it returns the raw value or None for a miss. ``persist_sets`` may
    be a function of the loaded value (e.g. the sets of the note's category).
    """
    client = get_redis()
    raw = peek() if peek is not None else (client.hgetall(key) if mode == "h" else client.get(key))
    if raw:
        return _decode(mode, raw)

    def store(value, token: str) -> None:
        version = int(value[version_field]) if version_field and value else None
        sets = (persist_sets(value) if callable(persist_sets) else persist_sets) if value else ()
        fill(key, value, lease_key=lease_key, token=token, policy=policy, version=version,
             version_key=version_key, persist_sets=sets, member=member, mode=mode)

    cached, value = single_flight(key, lease_key=lease_key, policy=policy, load=load, store=store, mode=mode)
    if cached:
        return _decode(mode, value)
    return dict(value) if isinstance(value, Mapping) else value
