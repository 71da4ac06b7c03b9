"""Every Redis key of notes, and the Lua scripts that change them atomically.

Layout (all under settings.REDIS_KEY_PREFIX, ``treehole:``):

- ``note:time`` / ``note:score`` and ``note:time:{slug}`` / ``note:score:{slug}``: sorted sets of
  the newest / hottest visible notes. Members are note ids zero-padded to 19 digits, so Redis' tie
  order (member, descending) is the database's (``id`` descending). Each holds a *prefix* of the
  database order, at most NOTES_RANK_SIZE long. ``note:sets`` (hash: set name -> ``all`` | ``top``
  | ``building``) says whether a set holds every note of its list (``all``), only the first ones
  (``top``: deeper pages come from the database, continuing after the set's last member) or is
  being built (``building``: lists use the database; writes note the member in
  ``note:sets:dirty:{name}`` for the builder to fix up). A set missing from ``note:sets`` is not
  trusted at all; the next list read builds it from the database.
- ``note:info:{id}``: the card (notes/serializers.py CARD_FIELDS), enough for a list row or the
  detail page without SQL. Kept without TTL while the note is in a ranking set; a card filled for
  an unranked note gets a jittered TTL; a missing note is cached as absent briefly.
  ``note:lease:{id}`` is its fill lease and ``note:info:{id}:lock`` its single-flight lock
  (treehole/cache.py).
- ``note:ver:{id}``: the highest database version applied to Redis. Writes carry the row's
  version and an older one never overwrites a newer one (commit callbacks may run out of order).
- ``note:voted:{id}``: sorted set user id -> 1 / -1, plus the member ``_`` (score 0) that says
  "this set is complete"; it expires when the note's vote window closes. ``note:votedv:{id}``:
  user id -> version of that user's last applied vote.
- ``note:count`` / ``note:count:{slug}``: number of visible notes (for ``total`` when a set only
  holds the top), cache-aside with lease ``note:lease:count[:{slug}]``.
- ``note:visits:pending`` (hash id -> visits not yet in the database) and
  ``note:visits:flushing`` (the batch being written by the periodic flush).

The scripts build per-note keys from the prefix, so Redis must be one instance (not a cluster).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from redis.exceptions import RedisError

from treehole import cache
from treehole.redis import LuaScript, get_redis, key

logger = logging.getLogger(__name__)

MEMBER_WIDTH = 19
SENTINEL = "_"
ORDERS = ("time", "score")  # the sets behind order=new and order=hot


# --- Keys ----------------------------------------------------------------------------------------

def member(note_id: int | str) -> str:
    return str(int(note_id)).zfill(MEMBER_WIDTH)


def set_name(order: str, category: str | None = None) -> str:
    """``order`` is ``time`` or ``score``; ``category`` a slug or None for every category."""
    return f"{order}:{category}" if category else order


def set_key(name: str) -> str:
    return key("note", name)


def sets_state_key() -> str:
    return key("note", "sets")


def dirty_key(name: str) -> str:
    return key("note", "sets", "dirty", name)


def build_lock_key(name: str) -> str:
    return key("note", "sets", "lock", name)


def info_key(note_id) -> str:
    return key("note", "info", note_id)


def lease_key(note_id) -> str:
    return key("note", "lease", note_id)


def ver_key(note_id) -> str:
    return key("note", "ver", note_id)


def voted_key(note_id) -> str:
    return key("note", "voted", note_id)


def votedv_key(note_id) -> str:
    return key("note", "votedv", note_id)


def count_key(category: str | None = None) -> str:
    return key("note", "count", category) if category else key("note", "count")


def count_lease_key(category: str | None = None) -> str:
    return key("note", "lease", "count", category) if category else key("note", "lease", "count")


def pending_visits_key() -> str:
    return key("note", "visits", "pending")


def flushing_visits_key() -> str:
    return key("note", "visits", "flushing")


def ranked_set_keys(category: str) -> list[str]:
    return [set_key(set_name(order, scope)) for order in ORDERS for scope in (None, category)]


def rank_size() -> int:
    return settings.NOTES_RANK_SIZE


def info_policy() -> cache.Policy:
    return cache.Policy(
        ttl=settings.NOTES_CACHE_TTL_SECONDS,
        absent_ttl=settings.NOTES_CACHE_ABSENT_TTL_SECONDS,
        jitter=settings.NOTES_CACHE_JITTER,
        lock_ms=settings.NOTES_CACHE_LOCK_MS,
        wait_seconds=settings.NOTES_CACHE_WAIT_SECONDS,
    )


def count_policy() -> cache.Policy:
    return cache.Policy(ttl=settings.NOTES_COUNT_TTL_SECONDS, jitter=settings.NOTES_CACHE_JITTER)


# --- Scripts -------------------------------------------------------------------------------------

_PLACEMENT_LUA = """
local P = ARGV[1]
local M = ARGV[2]
local LIMIT = tonumber(ARGV[3])
local STATES = P .. 'note:sets'
local evicted = {}

local function zkey(name) return P .. 'note:' .. name end

local function shrink_check(name, z)
  -- A 'top' set that lost too many members is dropped; the next list read rebuilds it.
  if redis.call('HGET', STATES, name) == 'top' and redis.call('ZCARD', z) < LIMIT / 2 then
    redis.call('HDEL', STATES, name)
    redis.call('DEL', z)
  end
end

local function place(name, score)
  local st = redis.call('HGET', STATES, name)
  if st == 'building' then redis.call('SADD', P .. 'note:sets:dirty:' .. name, M) return end
  if st ~= 'all' and st ~= 'top' then return end
  local z = zkey(name)
  if st == 'top' then
    -- The set is a prefix of the database order: a member may only sit above its last element.
    local low = redis.call('ZRANGE', z, 0, 1, 'WITHSCORES')
    local bm, bs = low[1], low[2]
    if bm == M then bm, bs = low[3], low[4] end
    if (not bm) or not (score > tonumber(bs) or (score == tonumber(bs) and M > bm)) then
      if redis.call('ZREM', z, M) == 1 then shrink_check(name, z) end
      return
    end
  end
  redis.call('ZADD', z, score, M)
  local n = redis.call('ZCARD', z)
  if n > LIMIT then
    local popped = redis.call('ZPOPMIN', z, n - LIMIT)
    for i = 1, #popped, 2 do evicted[#evicted + 1] = popped[i] end
    redis.call('HSET', STATES, name, 'top')
  end
end

local function unplace(name)
  local st = redis.call('HGET', STATES, name)
  if st == 'building' then redis.call('SADD', P .. 'note:sets:dirty:' .. name, M) return end
  if st ~= 'all' and st ~= 'top' then return end
  local z = zkey(name)
  if redis.call('ZREM', z, M) == 1 then shrink_check(name, z) end
end

local function plain(m)
  local id = string.gsub(m, '^0+', '')
  return id
end

local function ranked(m, cat)
  if redis.call('ZSCORE', zkey('time'), m) or redis.call('ZSCORE', zkey('score'), m) then return true end
  if cat and (redis.call('ZSCORE', zkey('time:' .. cat), m) or redis.call('ZSCORE', zkey('score:' .. cat), m)) then
    return true
  end
  return false
end

local function evict_cards()
  -- A note that fell out of every set loses its card (its counters stay right in the database).
  for _, m in ipairs(evicted) do
    local ik = P .. 'note:info:' .. plain(m)
    local cat = redis.call('HGET', ik, 'category')
    if cat and not ranked(m, cat) then redis.call('DEL', ik) end
  end
end
"""

# KEYS: 1 info, 2 lease, 3 ver, 4 voted, 5 votedv
# ARGV: 1 prefix, 2 member, 3 limit, 4 version, 5 visible (1/0), 6 category, 7 previous category
#       ('' when unchanged), 8 time score, 9 hot score, 10 info op (none|counters|card|invalidate|purge),
#       11 card ttl (purge: tombstone ttl), 12 voter id ('' none), 13 vote value, 14 voted ttl (0: leave the voted set),
#       15 invalidate counts (1/0), 16.. field/value pairs for the counters or card op.
_SYNC = LuaScript(
    _PLACEMENT_LUA
    + """
local version = tonumber(ARGV[4])
local cat, previous = ARGV[6], ARGV[7]
local op = ARGV[10]

if op == 'purge' then
  -- Everything goes; the version key stays briefly as a tombstone so that a commit callback of an
  -- earlier write, running late, cannot put the note back.
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[4], KEYS[5], KEYS[1] .. ':lock')
  redis.call('SET', KEYS[3], '9007199254740991', 'EX', tonumber(ARGV[11]))
end

local applied = tonumber(redis.call('GET', KEYS[3]) or '-1')
local fresh = version >= applied
if fresh then
  redis.call('SET', KEYS[3], version, 'EX', 172800)
end
if fresh or op == 'purge' then
  if previous ~= '' and previous ~= cat then
    unplace('time:' .. previous)
    unplace('score:' .. previous)
  end
  if ARGV[5] == '1' then
    local t, s = tonumber(ARGV[8]), tonumber(ARGV[9])
    place('time', t)
    place('score', s)
    place('time:' .. cat, t)
    place('score:' .. cat, s)
    if redis.call('EXISTS', KEYS[1]) == 1 and ranked(M, cat) then redis.call('PERSIST', KEYS[1]) end
  else
    unplace('time')
    unplace('score')
    unplace('time:' .. cat)
    unplace('score:' .. cat)
  end
end

if op == 'invalidate' then
  -- Always, whatever the version: deleting is never stale.
  redis.call('DEL', KEYS[1], KEYS[2])
elseif op == 'card' and fresh then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], unpack(ARGV, 16))
  if not ranked(M, cat) then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[11])) end
elseif op == 'counters' and fresh then
  if redis.call('EXISTS', KEYS[1]) == 1 and not redis.call('HGET', KEYS[1], '__absent__') then
    redis.call('HSET', KEYS[1], unpack(ARGV, 16))
  end
end

local voted_ttl = tonumber(ARGV[14])
if voted_ttl > 0 then
  redis.call('ZADD', KEYS[4], 0, '_')
  redis.call('EXPIRE', KEYS[4], voted_ttl)
end
local voter = ARGV[12]
if voter ~= '' and redis.call('EXISTS', KEYS[4]) == 1 then
  local seen = tonumber(redis.call('HGET', KEYS[5], voter) or '-1')
  if version >= seen then
    redis.call('HSET', KEYS[5], voter, version)
    local ttl = redis.call('PTTL', KEYS[4])
    if ttl > 0 then redis.call('PEXPIRE', KEYS[5], ttl) end
    local value = tonumber(ARGV[13])
    if value == 0 then redis.call('ZREM', KEYS[4], voter) else redis.call('ZADD', KEYS[4], value, voter) end
  end
end

if ARGV[15] == '1' then
  redis.call('DEL', P .. 'note:count', P .. 'note:lease:count', P .. 'note:count:' .. cat, P .. 'note:lease:count:' .. cat)
  if previous ~= '' then redis.call('DEL', P .. 'note:count:' .. previous, P .. 'note:lease:count:' .. previous) end
end

evict_cards()
return #evicted
"""
)

# KEYS: 1 states, 2 set, 3 count, 4 count lease
# ARGV: 1 set name, 2 offset, 3 size, 4 prefix, 5 viewer id ('' none), 6 nonce, 7 lease seconds
_LIST = LuaScript(
    cache.LEASE_TAKE_LUA
    + """
local st = redis.call('HGET', KEYS[1], ARGV[1])
if st ~= 'all' and st ~= 'top' then return {st or ''} end
local P = ARGV[4]
local card = redis.call('ZCARD', KEYS[2])
local count, count_lease = '', ''
if st == 'top' then
  count = redis.call('GET', KEYS[3]) or ''
  if count == '' then count_lease = lease_take(KEYS[4], ARGV[6], ARGV[7]) end
end
local low = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
local offset, size = tonumber(ARGV[2]), tonumber(ARGV[3])
local rows = {}
if offset < card then
  local ids = redis.call('ZREVRANGE', KEYS[2], offset, offset + size - 1)
  for i, m in ipairs(ids) do
    local id = string.gsub(m, '^0+', '')
    local h = redis.call('HGETALL', P .. 'note:info:' .. id)
    local lease = ''
    if #h == 0 or h[1] == '__absent__' then
      h = {}
      lease = lease_take(P .. 'note:lease:' .. id, ARGV[6] .. ':' .. i, ARGV[7])
    end
    local mine = ''
    if ARGV[5] ~= '' then
      local vk = P .. 'note:voted:' .. id
      if redis.call('EXISTS', vk) == 1 then mine = redis.call('ZSCORE', vk, ARGV[5]) or '0' else mine = '?' end
    end
    rows[#rows + 1] = {id, h, lease, mine}
  end
end
return {st, card, count, count_lease, low[1] or '', low[2] or '', rows}
"""
)

# KEYS: 1 info, 2 pending visits, 3 voted; ARGV: 1 id, 2 count a visit (1/0), 3 viewer id ('' none)
# Returns {0} miss, {2} cached absent, {1, card, my vote ('' no viewer, '?' unknown)}.
_DETAIL = LuaScript(
    """
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then return {0} end
local hidden = false
for i = 1, #h, 2 do
  if h[i] == '__absent__' then return {2} end
  if h[i] == 'hidden' and h[i + 1] == '1' then hidden = true end
end
if ARGV[2] == '1' and not hidden then
  local visits = redis.call('HINCRBY', KEYS[1], 'visits', 1)
  redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
  for i = 1, #h, 2 do if h[i] == 'visits' then h[i + 1] = tostring(visits) end end
end
local mine = ''
if ARGV[3] ~= '' then
  if redis.call('EXISTS', KEYS[3]) == 1 then mine = redis.call('ZSCORE', KEYS[3], ARGV[3]) or '0' else mine = '?' end
end
return {1, h, mine}
"""
)

# KEYS: 1 info, 2 pending visits; ARGV: 1 id. A visit counted after a miss (the card may be there now).
_VISIT = LuaScript(
    """
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
if redis.call('EXISTS', KEYS[1]) == 1 and not redis.call('HGET', KEYS[1], '__absent__') then
  return redis.call('HINCRBY', KEYS[1], 'visits', 1)
end
return -1
"""
)

# KEYS: 1 info, 2 ver; ARGV: 1 delta, 2 version ('' unversioned), 3 absolute count ('' none)
_COMMENTS = LuaScript(
    """
if ARGV[2] ~= '' then
  local applied = tonumber(redis.call('GET', KEYS[2]) or '-1')
  if tonumber(ARGV[2]) < applied then return -1 end
  redis.call('SET', KEYS[2], ARGV[2], 'EX', 172800)
end
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HGET', KEYS[1], '__absent__') then return -1 end
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[1], 'comment_count', ARGV[3])
  if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'v', ARGV[2]) end
  return tonumber(ARGV[3])
end
return redis.call('HINCRBY', KEYS[1], 'comment_count', tonumber(ARGV[1]))
"""
)

# KEYS: 1 states, 2 set, 3 dirty; ARGV: 1 name
_BUILD_BEGIN = LuaScript(
    """
redis.call('HSET', KEYS[1], ARGV[1], 'building')
redis.call('DEL', KEYS[2], KEYS[3])
return 1
"""
)

# KEYS: 1 states, 2 set, 3 dirty; ARGV: 1 name, 2 state (all|top), 3.. score/member pairs
_BUILD_INSTALL = LuaScript(
    """
if redis.call('HGET', KEYS[1], ARGV[1]) ~= 'building' then return false end
redis.call('DEL', KEYS[2])
local i = 3
while i <= #ARGV do
  local j = math.min(i + 999, #ARGV)
  redis.call('ZADD', KEYS[2], unpack(ARGV, i, j))
  i = j + 1
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local dirty = redis.call('SMEMBERS', KEYS[3])
redis.call('DEL', KEYS[3])
return dirty
"""
)

# KEYS: 1 pending, 2 flushing. Move the pending visits aside (or resume an unfinished batch).
_FLUSH_TAKE = LuaScript(
    """
if redis.call('EXISTS', KEYS[2]) == 0 then
  if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
  redis.call('RENAME', KEYS[1], KEYS[2])
end
return redis.call('HGETALL', KEYS[2])
"""
)



# --- Writes --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RankState:
    """What the rankings need to know about one note, as committed in the database."""

    note_id: int
    version: int
    category: str
    time_score: float
    hot_score: int
    visible: bool
    previous_category: str = ""


def _sync(
    state: RankState,
    *,
    info_op: str = "none",
    fields: Mapping[str, str] | None = None,
    voter_id: int | None = None,
    vote_value: int = 0,
    voted_ttl: int = 0,
    counts: bool = False,
    client=None,
):
    note_id = state.note_id
    if info_op == "purge":
        ttl = settings.NOTES_TOMBSTONE_SECONDS
    else:
        ttl = cache.jittered(settings.NOTES_CACHE_TTL_SECONDS, settings.NOTES_CACHE_JITTER) or 1
    args = [
        settings.REDIS_KEY_PREFIX, member(note_id), rank_size(), state.version, "1" if state.visible else "0",
        state.category, state.previous_category, repr(float(state.time_score)), int(state.hot_score), info_op,
        ttl,
        "" if voter_id is None else str(voter_id), int(vote_value), max(0, int(voted_ttl)), "1" if counts else "0",
    ]
    for field, value in (fields or {}).items():
        args += [field, value]
    keys = [info_key(note_id), lease_key(note_id), ver_key(note_id), voted_key(note_id), votedv_key(note_id)]
    return _SYNC(keys=keys, args=args, client=client)


def note_created(state: RankState, *, card: Mapping[str, str], voted_ttl: int) -> None:
    """A new note: its card, its (empty, complete) voted set, its place in the rankings."""
    _sync(state, info_op="card", fields=card, voted_ttl=voted_ttl, counts=True)


def note_voted(state: RankState, *, approve: int, against: int, voter_id: int, value: int) -> None:
    """Apply one committed vote: absolute counters and score (never deltas), and the voter's entry."""
    fields = {"approve": str(approve), "against": str(against), "score": str(state.hot_score), "v": str(state.version)}
    _sync(state, info_op="counters", fields=fields, voter_id=voter_id, vote_value=value)


def note_changed(state: RankState, *, counts: bool = False) -> None:
    """An edit, a hide or an unhide: the card is deleted (the next read refills it) and the
    note is placed again (or removed, when hidden)."""
    _sync(state, info_op="invalidate", counts=counts)


def note_removed(state: RankState) -> None:
    """A deleted note: every key of it and its place in every set (``note:ver:{id}`` stays as a
    tombstone for NOTES_TOMBSTONE_SECONDS so that a late callback cannot resurrect it)."""
    _sync(replace_visible(state, False), info_op="purge", counts=True)


def replace_visible(state: RankState, visible: bool) -> RankState:
    return RankState(state.note_id, state.version, state.category, state.time_score, state.hot_score, visible,
                     state.previous_category)


def note_placed(states: Iterable[RankState]) -> None:
    """Place notes read from the database (a build's fix-up) in one round trip."""
    pipe = get_redis().pipeline(transaction=False)
    for state in states:
        _sync(state, client=pipe)
    pipe.execute()


def note_repair(note_id: int) -> None:
    """Redo a note's Redis state from its row, after a side effect of it failed (treehole/effects.py):
    its place in every set (or none, when it is hidden or gone), its card and voted set dropped
    (the next read refills the card; votes are then read from the database), counts invalidated."""
    from notes.models import Category, Note
    from notes.services.common import rank_state

    note = Note.objects.select_related("category").filter(pk=note_id).first()
    client = get_redis()
    if note is None:
        pipe = client.pipeline(transaction=False)
        for slug in Category.objects.values_list("slug", flat=True):
            _sync(RankState(note_id, 0, slug, 0.0, 0, False), info_op="purge", counts=True, client=pipe)
        pipe.execute()
        return
    _sync(rank_state(note), info_op="invalidate", counts=True)
    client.delete(voted_key(note_id), votedv_key(note_id))


def note_info_invalidate(note_id: int) -> None:
    """Delete the card and its lease (the delayed second delete runs this)."""
    cache.invalidate(info_key(note_id), lease_key=lease_key(note_id))


def note_info_incr_comments(note_id: int, delta: int, *, version: int | None = None, count: int | None = None) -> int:
    """Change the card's ``comment_count`` atomically (only when the card is cached; a missing
    card is filled from the database later). Pass the note's new ``version`` and absolute
    ``count`` (as notes.services.note_comment_count_add does) to be safe against reordering."""
    result = _COMMENTS(
        keys=[info_key(note_id), ver_key(note_id)],
        args=[int(delta), "" if version is None else int(version), "" if count is None else int(count)],
    )
    return int(result)


# --- Reads ---------------------------------------------------------------------------------------

@dataclass
class ListWindow:
    """One page as Redis holds it. ``ready`` False: the set is not built (serve from the database)."""

    ready: bool
    state: str = ""
    cardinality: int = 0
    count: int | None = None
    count_lease: str = ""
    boundary: tuple[str, float] | None = None  # (member, score) of the set's last element
    rows: list[tuple[str, dict | None, str, str]] = None  # (id, card or None, lease, my vote)


def list_window(name: str, *, offset: int, size: int, viewer_id: int | None) -> ListWindow:
    """One round trip: the set's state, size, last element and the page's cards (and the viewer's
    votes), whatever the page size."""
    category = name.split(":", 1)[1] if ":" in name else None
    raw = _LIST(
        keys=[sets_state_key(), set_key(name), count_key(category), count_lease_key(category)],
        args=[name, offset, size, settings.REDIS_KEY_PREFIX, "" if viewer_id is None else str(viewer_id),
              secrets.token_hex(6), 60],
    )
    state = raw[0]
    if state not in ("all", "top"):
        return ListWindow(ready=False, state=state)
    _state, cardinality, count, count_lease, low_member, low_score, rows = raw
    parsed = []
    for note_id, flat, lease, mine in rows:
        card = dict(zip(flat[::2], flat[1::2])) if flat else None
        parsed.append((note_id, card, lease, mine))
    return ListWindow(
        ready=True,
        state=state,
        cardinality=int(cardinality),
        count=int(count) if count not in ("", None) else None,
        count_lease=count_lease,
        boundary=(low_member, float(low_score)) if low_member else None,
        rows=parsed,
    )


def detail_read(note_id: int, *, count_visit: bool, viewer_id: int | None):
    """One round trip: ("miss", None, "") | ("absent", None, "") | ("hit", card, my vote)."""
    raw = _DETAIL(
        keys=[info_key(note_id), pending_visits_key(), voted_key(note_id)],
        args=[note_id, "1" if count_visit else "0", "" if viewer_id is None else str(viewer_id)],
    )
    status = int(raw[0])
    if status == 0:
        return "miss", None, ""
    if status == 2:
        return "absent", None, ""
    flat = raw[1]
    return "hit", dict(zip(flat[::2], flat[1::2])), raw[2]


def visit_count(note_id: int) -> int | None:
    """Count a visit for a note whose card was not cached when it was read; the card's new visit
    count when it is cached now."""
    result = int(_VISIT(keys=[info_key(note_id), pending_visits_key()], args=[note_id]))
    return None if result < 0 else result


def pending_visits(note_ids: Sequence[int]) -> dict[int, int]:
    """Visits counted in Redis and not yet in the database (pending and being flushed)."""
    if not note_ids:
        return {}
    pipe = get_redis().pipeline(transaction=False)
    pipe.hmget(pending_visits_key(), [str(i) for i in note_ids])
    pipe.hmget(flushing_visits_key(), [str(i) for i in note_ids])
    try:
        pending, flushing = pipe.execute()
    except RedisError:
        return {}  # Redis down: the database's count (a few unflushed visits short) will do
    return {
        int(note_id): int(a or 0) + int(b or 0)
        for note_id, a, b in zip(note_ids, pending, flushing)
    }


def cards_drop(note_ids: Sequence[int]) -> dict[int, str]:
    """Delete these cards (of an outdated layout) and take their fill leases, in one round trip:
    note id -> lease token, for ``card_fill_many``."""
    pipe = get_redis().pipeline(transaction=False)
    for note_id in note_ids:
        pipe.delete(info_key(note_id))
        cache.lease_take(lease_key(note_id), client=pipe)
    results = pipe.execute()
    return {note_id: token for note_id, token in zip(note_ids, results[1::2])}


def card_fill_many(cards: Mapping[int, Mapping[str, str] | None], leases: Mapping[int, str]) -> None:
    """Fill several cards (read from the database after their leases were taken) in one round trip."""
    pipe = get_redis().pipeline(transaction=False)
    policy = info_policy()
    for note_id, card in cards.items():
        category = card["category"] if card else None
        cache.fill(
            info_key(note_id), card, lease_key=lease_key(note_id), token=leases[note_id], policy=policy,
            version=int(card["v"]) if card else None, version_key=ver_key(note_id),
            persist_sets=ranked_set_keys(category) if category else (), member=member(note_id), client=pipe,
        )
    pipe.execute()


# --- Building a ranking set from the database ----------------------------------------------------

def build_lock(name: str) -> str | None:
    token = secrets.token_hex(8)
    ok = get_redis().set(build_lock_key(name), token, nx=True, px=settings.NOTES_BUILD_LOCK_MS)
    return token if ok else None


def build_unlock(name: str, token: str) -> None:
    cache.release_lock(build_lock_key(name), token)


def build_begin(name: str) -> None:
    _BUILD_BEGIN(keys=[sets_state_key(), set_key(name), dirty_key(name)], args=[name])


def build_install(name: str, *, complete: bool, pairs: Sequence[tuple[int, float]]) -> list[int] | None:
    """Install the members read from the database. Returns the ids written meanwhile (to fix up),
    or None when the build was abandoned (e.g. Redis was flushed under it)."""
    args: list = [name, "all" if complete else "top"]
    for note_id, score in pairs:
        args += [repr(float(score)), member(note_id)]
    dirty = _BUILD_INSTALL(keys=[sets_state_key(), set_key(name), dirty_key(name)], args=args)
    if dirty is None:
        return None
    return [int(m) for m in dirty]


def set_state(name: str) -> str | None:
    return get_redis().hget(sets_state_key(), name)


# --- Visits flush ---------------------------------------------------------------------------------

def visits_take_batch() -> dict[int, int]:
    """The visits to write to the database (moved aside atomically; resumed after a crash)."""
    flat = _FLUSH_TAKE(keys=[pending_visits_key(), flushing_visits_key()])
    return {int(flat[i]): int(flat[i + 1]) for i in range(0, len(flat), 2)}


def visits_batch_done() -> None:
    get_redis().delete(flushing_visits_key())


# --- Rebuild ---------------------------------------------------------------------------------------

def delete_all_note_keys() -> int:
    """Delete every note key except the visits not yet written to the database."""
    client = get_redis()
    keep = {pending_visits_key(), flushing_visits_key()}
    removed = 0
    batch: list[str] = []
    for name in client.scan_iter(match=key("note", "*"), count=1000):
        if name in keep:
            continue
        batch.append(name)
        if len(batch) >= 500:
            removed += client.delete(*batch)
            batch = []
    if batch:
        removed += client.delete(*batch)
    return removed


def voted_sets_write(entries: Mapping[int, tuple[int, int, Mapping[int, int]]]) -> None:
    """Write complete voted sets: note id -> (ttl seconds, version, {user id: value})."""
    pipe = get_redis().pipeline(transaction=False)
    for note_id, (ttl, version, votes) in entries.items():
        if ttl <= 0:
            continue
        vk, vv = voted_key(note_id), votedv_key(note_id)
        pipe.delete(vk, vv)
        pipe.zadd(vk, {SENTINEL: 0, **{str(user): value for user, value in votes.items() if value}})
        pipe.expire(vk, ttl)
        if votes:
            pipe.hset(vv, mapping={str(user): version for user in votes})
            pipe.expire(vv, ttl)
    pipe.execute()


def set_remove(name: str, note_ids: Iterable[int]) -> None:
    get_redis().zrem(set_key(name), *[member(note_id) for note_id in note_ids])
