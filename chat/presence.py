"""Every Redis key of the chat room, and the scripts that change them.

Presence — who is online, correct across any number of daphne processes:
- ``chat:presence:conns``  sorted set, one member per open WebSocket (``"<user id>|<channel>"``)
  scored by its last heartbeat in Redis-clock milliseconds;
- ``chat:presence:users``  hash user id → number of live connections (so two tabs count once);
- ``chat:presence:state``  hash ``count`` (the last announced number of distinct users) and
  ``seq`` (bumped on every change, so a consumer never shows an older count after a newer one).
Every script call first prunes connections whose last heartbeat is older than the timeout — a
process killed without cleanup leaves entries that any live process (or the API) removes — and
then reports whether the distinct-user count changed. Redis runs the script atomically, so
exactly one caller sees each change and announces it.

Recent messages — the last ``CHAT_RECENT_SIZE`` (500) messages, ready to serve without SQL:
- ``chat:recent``       list, oldest → newest, of ``"<id zero-padded to 19 digits> <message JSON>"``;
  the padded prefix lets Lua keep the list sorted by id (snowflakes from two processes can
  reach Redis out of order) and find a history window by binary search;
- ``chat:recent:meta``  hash ``built`` (the list was merged with the database, so it is a gap-free
  suffix of the history) and ``complete`` (the list holds the *whole* history).
The database stays the truth: ``recent_rebuild`` merges its last messages back in at any time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import orjson
from django.conf import settings

from treehole.redis import LuaScript, get_redis, key

logger = logging.getLogger(__name__)

ID_WIDTH = 19


def conns_key() -> str:
    return key("chat", "presence", "conns")


def users_key() -> str:
    return key("chat", "presence", "users")


def state_key() -> str:
    return key("chat", "presence", "state")


def recent_key() -> str:
    return key("chat", "recent")


def recent_meta_key() -> str:
    return key("chat", "recent", "meta")


# ------------------------------------------------------------------------------------------------
# Presence
# ------------------------------------------------------------------------------------------------

# KEYS: conns, users, state. ARGV: op (join|touch|leave|sweep|list), timeout ms, member, user id.
# Returns {count, seq, changed (0/1), pruned, [user ids when op == list]}.
_PRESENCE = LuaScript(
    """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cutoff = now - tonumber(ARGV[2])
local function drop(member)
  if redis.call('ZREM', KEYS[1], member) == 1 then
    local uid = string.match(member, '^([^|]+)|')
    if uid and redis.call('HINCRBY', KEYS[2], uid, -1) <= 0 then
      redis.call('HDEL', KEYS[2], uid)
    end
  end
end
local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%.0f', cutoff), 'LIMIT', 0, 1000)
for _, member in ipairs(stale) do drop(member) end
local op = ARGV[1]
if op == 'join' or op == 'touch' then
  if redis.call('ZADD', KEYS[1], string.format('%.0f', now), ARGV[3]) == 1 then
    redis.call('HINCRBY', KEYS[2], ARGV[4], 1)
  end
elseif op == 'leave' then
  drop(ARGV[3])
end
local count = redis.call('HLEN', KEYS[2])
local last = redis.call('HGET', KEYS[3], 'count')
local seq = tonumber(redis.call('HGET', KEYS[3], 'seq') or '0')
local changed = 0
if (not last) or tonumber(last) ~= count then
  -- never smaller than the clock, so the sequence keeps growing even after a Redis flush
  seq = math.max(seq + 1, now)
  redis.call('HSET', KEYS[3], 'count', count, 'seq', string.format('%.0f', seq))
  changed = 1
end
local result = {count, string.format('%.0f', seq), changed, #stale}
if op == 'list' then
  for _, uid in ipairs(redis.call('HKEYS', KEYS[2])) do table.insert(result, uid) end
end
return result
"""
)


@dataclass(frozen=True)
class Presence:
    count: int
    seq: int
    changed: bool
    pruned: int = 0
    user_ids: tuple[int, ...] = ()


def _timeout_ms() -> int:
    return max(1, int(settings.WS_HEARTBEAT_TIMEOUT * 1000))


def _presence(op: str, member: str = "", user_id: int | str = "") -> Presence:
    raw = _PRESENCE(keys=[conns_key(), users_key(), state_key()], args=[op, _timeout_ms(), member, str(user_id)])
    return Presence(
        count=int(raw[0]),
        seq=int(raw[1]),
        changed=bool(int(raw[2])),
        pruned=int(raw[3]),
        user_ids=tuple(int(uid) for uid in raw[4:]),
    )


def connection_member(user_id: int, connection_id: str) -> str:
    return f"{user_id}|{connection_id}"


def presence_join(*, user_id: int, connection_id: str) -> Presence:
    return _presence("join", connection_member(user_id, connection_id), user_id)


def presence_touch(*, user_id: int, connection_id: str) -> Presence:
    """A heartbeat: refresh the connection's score (re-adding it if it was pruned meanwhile)."""
    return _presence("touch", connection_member(user_id, connection_id), user_id)


def presence_leave(*, user_id: int, connection_id: str) -> Presence:
    return _presence("leave", connection_member(user_id, connection_id), user_id)


def presence_sweep() -> Presence:
    """Prune connections whose heartbeat is older than the timeout (any process's)."""
    return _presence("sweep")


def presence_state() -> Presence:
    """The last announced count and its sequence number (no pruning, one round trip)."""
    count, seq = get_redis().hmget(state_key(), "count", "seq")
    return Presence(count=int(count or 0), seq=int(seq or 0), changed=False)


def presence_online() -> Presence:
    """Prune, then the distinct online user ids."""
    return _presence("list")


# ------------------------------------------------------------------------------------------------
# The capped list of recent messages
# ------------------------------------------------------------------------------------------------


def pad_id(message_id: int | str) -> str:
    return str(int(message_id)).zfill(ID_WIDTH)


def encode_entry(payload: dict) -> str:
    return f"{pad_id(payload['id'])} {orjson.dumps(payload).decode()}"


def decode_entry(entry: str) -> dict:
    return orjson.loads(entry[ID_WIDTH + 1 :])


# KEYS: list, meta. ARGV: cap, entry. Inserts the entry at its sorted place (almost always the
# tail), ignores a duplicate id, trims to the cap (the list is then no longer the whole history).
_PUSH = LuaScript(
    """
local cap = tonumber(ARGV[1])
local entry = ARGV[2]
local id = string.sub(entry, 1, 19)
local n = redis.call('LLEN', KEYS[1])
local idx = n - 1
local pivot = false
while idx >= 0 do
  local current = redis.call('LINDEX', KEYS[1], idx)
  local current_id = string.sub(current, 1, 19)
  if current_id == id then return 0 end
  if current_id < id then pivot = current; break end
  idx = idx - 1
end
if pivot then
  if idx == n - 1 then
    redis.call('RPUSH', KEYS[1], entry)
  else
    redis.call('LINSERT', KEYS[1], 'AFTER', pivot, entry)
  end
else
  redis.call('LPUSH', KEYS[1], entry)
end
if n + 1 > cap then
  redis.call('LTRIM', KEYS[1], -cap, -1)
  redis.call('HSET', KEYS[2], 'complete', '0')
end
return 1
"""
)

# KEYS: list, meta. ARGV: cap, complete (0/1: the database had fewer than cap messages), then
# entries oldest first (the database's last messages). Merges them with what the list holds
# (messages pushed meanwhile are kept), trims, and marks the list as built.
_MERGE = LuaScript(
    """
local cap = tonumber(ARGV[1])
local existing = redis.call('LRANGE', KEYS[1], 0, -1)
local merged = {}
local i, j = 1, 3
while i <= #existing or j <= #ARGV do
  local a = existing[i]
  local b = ARGV[j]
  if a and b then
    local ida, idb = string.sub(a, 1, 19), string.sub(b, 1, 19)
    if ida == idb then
      table.insert(merged, b); i = i + 1; j = j + 1
    elseif ida < idb then
      table.insert(merged, a); i = i + 1
    else
      table.insert(merged, b); j = j + 1
    end
  elseif a then
    table.insert(merged, a); i = i + 1
  else
    table.insert(merged, b); j = j + 1
  end
end
local complete = ARGV[2]
local first = 1
if #merged > cap then
  first = #merged - cap + 1
  complete = '0'
end
redis.call('DEL', KEYS[1])
local batch = {}
for k = first, #merged do
  table.insert(batch, merged[k])
  if #batch >= 200 then redis.call('RPUSH', KEYS[1], unpack(batch)); batch = {} end
end
if #batch > 0 then redis.call('RPUSH', KEYS[1], unpack(batch)) end
redis.call('HSET', KEYS[2], 'built', '1', 'complete', complete)
return #merged - first + 1
"""
)

# KEYS: list, meta. ARGV: mode (latest|before|after), padded pivot id ('' for latest), limit.
# Returns {-1} when the window is not (wholly) in the list — the caller asks the database — or
# {has_more (0/1), entries oldest first...}.
_WINDOW = LuaScript(
    """
if redis.call('HGET', KEYS[2], 'built') ~= '1' then return {-1} end
local complete = redis.call('HGET', KEYS[2], 'complete') == '1'
local mode, pivot, limit = ARGV[1], ARGV[2], tonumber(ARGV[3])
local items = redis.call('LRANGE', KEYS[1], 0, -1)
local n = #items
local function id_at(k) return string.sub(items[k], 1, 19) end
local result = {}
if mode == 'after' then
  if n == 0 then
    if complete then return {0} end
    return {-1}
  end
  if pivot < id_at(1) and not complete then return {-1} end
  -- first index whose id > pivot
  local lo, hi, first = 1, n, n + 1
  while lo <= hi do
    local mid = math.floor((lo + hi) / 2)
    if id_at(mid) > pivot then first = mid; hi = mid - 1 else lo = mid + 1 end
  end
  local last = math.min(n, first + limit - 1)
  local has_more = 0
  if n - first + 1 > limit then has_more = 1 end
  table.insert(result, has_more)
  for k = first, last do table.insert(result, items[k]) end
  return result
end
-- latest / before: the `limit` newest entries with id < pivot
local upto = n
if mode == 'before' then
  local lo, hi = 1, n
  upto = 0
  while lo <= hi do
    local mid = math.floor((lo + hi) / 2)
    if id_at(mid) < pivot then upto = mid; lo = mid + 1 else hi = mid - 1 end
  end
end
if upto >= limit + 1 then
  table.insert(result, 1)
  for k = upto - limit + 1, upto do table.insert(result, items[k]) end
  return result
end
if complete then
  table.insert(result, 0)
  for k = 1, upto do table.insert(result, items[k]) end
  return result
end
return {-1}
"""
)

# KEYS: list. ARGV: padded id. Removes the entry with that id (a deleted message).
_REMOVE = LuaScript(
    """
local items = redis.call('LRANGE', KEYS[1], 0, -1)
for _, entry in ipairs(items) do
  if string.sub(entry, 1, 19) == ARGV[1] then
    return redis.call('LREM', KEYS[1], 1, entry)
  end
end
return 0
"""
)


def _cap() -> int:
    return settings.CHAT_RECENT_SIZE


def recent_push(payload: dict) -> bool:
    """Add one message (a payload from ``chat.serializers.message_public``) to the list."""
    return bool(_PUSH(keys=[recent_key(), recent_meta_key()], args=[_cap(), encode_entry(payload)]))


def recent_merge(payloads: list[dict], *, complete: bool) -> int:
    """Merge the database's newest messages (oldest first) into the list; returns its length."""
    entries = [encode_entry(p) for p in payloads]
    return int(_MERGE(keys=[recent_key(), recent_meta_key()], args=[_cap(), "1" if complete else "0", *entries]))


def recent_rebuild() -> int:
    """Merge the database's newest messages into the list (messages pushed meanwhile are kept).
    Safe at any time (``chat_rebuild_recent``, ``rebuild_redis``, the first history read after a
    Redis loss); returns the list's length."""
    from chat.models import ChatMessage
    from chat.serializers import message_public

    cap = _cap()
    newest = list(ChatMessage.objects.select_related("user__avatar").order_by("-id")[:cap])
    newest.reverse()
    return recent_merge([message_public(m) for m in newest], complete=len(newest) < cap)


def rebuild_step(stdout=None, **_kwargs) -> None:
    """The chat's step of ``manage.py rebuild_redis``: the recent list from the database."""
    recent_reset()
    length = recent_rebuild()
    if stdout is not None:
        stdout.write(f"chat: {length} recent messages in Redis")


def recent_window(mode: str, pivot: int | None, limit: int) -> tuple[list[dict], bool] | None:
    """The history window from Redis, or None when it is not wholly inside the list."""
    raw = _WINDOW(
        keys=[recent_key(), recent_meta_key()],
        args=[mode, pad_id(pivot) if pivot is not None else "", limit],
    )
    flag = int(raw[0])
    if flag < 0:
        return None
    return [decode_entry(entry) for entry in raw[1:]], bool(flag)


def recent_remove(message_id: int) -> bool:
    return bool(_REMOVE(keys=[recent_key()], args=[pad_id(message_id)]))


def recent_is_built() -> bool:
    return get_redis().hget(recent_meta_key(), "built") == "1"


def recent_reset() -> None:
    """Forget the list (a repair after a failed push or removal): the next history read merges
    the database's newest messages back in, so a lost push or a removed message is right again."""
    get_redis().delete(recent_key(), recent_meta_key())
