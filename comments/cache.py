"""The comments app's Redis keys: the seed's list-plus-hash layout.

- ``comment:list:{note}``: the note's comment ids in floor order, after a sentinel head element
  (so a thread with no comments is still a cached list of length 1). TTL 7 days when a write
  touches it, 1 day after a fill from the database, both with jitter.
- ``comment:{id}``: the comment's card (a flat hash of strings), same TTLs.
- ``comment:list:{note}:lease``: the fill lease (treehole/cache.py): taken before a filler reads
  the database, deleted by every write, so a fill that read the database before a write can never
  land after it (no stale fill after a delete).
- ``comment:list:{note}:lock``: the single-flight lock, so N concurrent cold reads make one fill.

A page is one Lua call (total + the page's hashes): a warm thread costs one Redis round trip and
no SQL, whatever the page size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from treehole import cache
from treehole.redis import LuaScript, get_redis, key

SENTINEL = "#"
CARD_FIELDS = (
    "id", "note_id", "floor", "content", "author_id", "author_username", "author_avatar", "display_name",
    "anonymous", "is_note_author", "reply_id", "reply_floor", "reply_display", "deleted", "folded", "held",
    "created_at",
)
WRITE_TTL = 7 * 24 * 3600  # a thread (and card) a write touched: a week
FILL_POLICY = cache.Policy(ttl=24 * 3600, jitter=0.1, lock_ms=3000, wait_seconds=3.0, lease_seconds=60)  # filled: a day


def list_key(note_id: int | str) -> str:
    return key("comment", "list", note_id)


def lease_key(note_id: int | str) -> str:
    return key("comment", "list", note_id, "lease")


def card_key(comment_id: int | str) -> str:
    return key("comment", comment_id)


def _card_prefix() -> str:
    return key("comment", "")


# KEYS[1] list; ARGV[1] start, ARGV[2] stop (0-based over comments, inclusive), ARGV[3] card prefix.
# {-1} when the list is not cached, {-2} when a card on the page expired, else
# {total, card1 (flat field/value list), card2, ...}.
_PAGE = LuaScript(
    """
local n = redis.call('LLEN', KEYS[1])
if n == 0 then return {-1} end
local result = {n - 1}
if tonumber(ARGV[2]) >= tonumber(ARGV[1]) then
  local ids = redis.call('LRANGE', KEYS[1], tonumber(ARGV[1]) + 1, tonumber(ARGV[2]) + 1)
  for i, id in ipairs(ids) do
    local card = redis.call('HGETALL', ARGV[3] .. id)
    if #card == 0 then return {-2} end
    result[#result + 1] = card
  end
end
return result
"""
)

# 只看洞主: the same walk over the whole list, keeping only the note author's floors that a reader
# may see (not deleted; held ones only for their writer). KEYS[1] list; ARGV[1] start, ARGV[2] stop
# (0-based over the kept floors, inclusive), ARGV[3] card prefix, ARGV[4] the viewer's id ('' none).
# {-1} when the list is not cached, {-2} when a card expired, else {kept total, card1, card2, ...}.
_AUTHOR_PAGE = LuaScript(
    """
local n = redis.call('LLEN', KEYS[1])
if n == 0 then return {-1} end
local start, stop = tonumber(ARGV[1]), tonumber(ARGV[2])
local result = {0}
local kept = 0
local ids = redis.call('LRANGE', KEYS[1], 1, -1)
for i, id in ipairs(ids) do
  local f = redis.call('HMGET', ARGV[3] .. id, 'is_note_author', 'deleted', 'held', 'author_id')
  if not f[1] then return {-2} end
  if f[1] == '1' and f[2] == '0' and (f[3] == '0' or f[4] == ARGV[4]) then
    if kept >= start and kept <= stop then result[#result + 1] = redis.call('HGETALL', ARGV[3] .. id) end
    kept = kept + 1
  end
end
result[1] = kept
return result
"""
)

# KEYS[1] list, KEYS[2] lease; ARGV[1] lease token, ARGV[2] ttl, ARGV[3] card prefix,
# ARGV[4] the list's head sentinel, ARGV[5] number of fields per card, ARGV[6..] field names then
# each card's values in that order.
_FILL = LuaScript(
    """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
local ttl = tonumber(ARGV[2])
local nfields = tonumber(ARGV[5])
local names = {}
for i = 1, nfields do names[i] = ARGV[5 + i] end
redis.call('DEL', KEYS[1])
redis.call('RPUSH', KEYS[1], ARGV[4])
local base = 5 + nfields
local count = (#ARGV - base) / nfields
for c = 0, count - 1 do
  local id = ARGV[base + c * nfields + 1]
  local card = ARGV[3] .. id
  redis.call('DEL', card)
  for f = 1, nfields do
    redis.call('HSET', card, names[f], ARGV[base + c * nfields + f])
  end
  redis.call('EXPIRE', card, ttl)
  redis.call('RPUSH', KEYS[1], id)
end
redis.call('EXPIRE', KEYS[1], ttl)
return 1
"""
)

# Append a new comment after its commit. KEYS[1] list, KEYS[2] lease, KEYS[3] card.
# ARGV[1] ttl, ARGV[2] floor, ARGV[3] id, ARGV[4] card prefix, ARGV[5..] field/value pairs.
# The lease goes (in-flight fills are refused). The list is extended only when it is cached and
# its last floor is below the new one; otherwise (two commits' callbacks out of order) it is
# dropped and the next read refills it in order.
_APPEND = LuaScript(
    """
redis.call('DEL', KEYS[2])
local n = redis.call('LLEN', KEYS[1])
if n == 0 then return 0 end
if n > 1 then
  local last = redis.call('LINDEX', KEYS[1], -1)
  local last_floor = tonumber(redis.call('HGET', ARGV[4] .. last, 'floor') or '-1')
  if last_floor < 0 or last_floor >= tonumber(ARGV[2]) then
    redis.call('DEL', KEYS[1])
    return -1
  end
end
redis.call('DEL', KEYS[3])
redis.call('HSET', KEYS[3], unpack(ARGV, 5))
redis.call('EXPIRE', KEYS[3], ARGV[1])
redis.call('RPUSH', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
"""
)


def _flatten(cards: Sequence[dict[str, str]]) -> list[str]:
    values: list[str] = []
    for card in cards:
        values.extend(str(card[field]) for field in CARD_FIELDS)
    return values


def page(note_id: int, *, start: int, stop: int) -> tuple[int, list[dict[str, str]]] | None:
    """``(total, cards)`` for comments ``start..stop`` (0-based, inclusive) or None on a miss."""
    raw = _PAGE(keys=[list_key(note_id)], args=[start, stop, _card_prefix()])
    if int(raw[0]) < 0:
        return None
    return int(raw[0]), [dict(zip(card[::2], card[1::2])) for card in raw[1:]]


def author_page(note_id: int, *, start: int, stop: int, viewer_id: int | None) -> tuple[int, list[dict[str, str]]] | None:
    """Like ``page``, over the note author's floors only (只看洞主); None on a miss."""
    raw = _AUTHOR_PAGE(keys=[list_key(note_id)], args=[start, stop, _card_prefix(), "" if viewer_id is None else str(viewer_id)])
    if int(raw[0]) < 0:
        return None
    return int(raw[0]), [dict(zip(card[::2], card[1::2])) for card in raw[1:]]


def author_floor(card: dict[str, str], viewer_id: int | None) -> bool:
    """The database side of ``_AUTHOR_PAGE``'s rule: the note author's floor, shown to this reader."""
    return (card["is_note_author"] == "1" and card["deleted"] == "0"
            and (card.get("held") == "0" or card["author_id"] == ("" if viewer_id is None else str(viewer_id))))


def fill_thread(note_id: int, load: Callable[[], list[dict[str, str]]]) -> list[dict[str, str]] | None:
    """Load the whole thread and cache it, once for a crowd of concurrent misses (treehole/cache.py's
    single flight). Returns the loaded cards, or None when another request filled the thread
    (the caller reads its page from Redis)."""

    def store(cards: list[dict[str, str]], token: str) -> None:
        _FILL(
            keys=[list_key(note_id), lease_key(note_id)],
            args=[token, cache.jittered(FILL_POLICY.ttl, FILL_POLICY.jitter), _card_prefix(), SENTINEL,
                  len(CARD_FIELDS), *CARD_FIELDS, *_flatten(cards)],
        )

    cached, cards = cache.single_flight(
        list_key(note_id), lease_key=lease_key(note_id), policy=FILL_POLICY, load=load, store=store, mode="exists"
    )
    return None if cached else cards


def append(card: dict[str, str]) -> None:
    """After a comment's commit: add it to its note's cached thread (TTL 7 days)."""
    args = [cache.jittered(WRITE_TTL), card["floor"], card["id"], _card_prefix()]
    for field in CARD_FIELDS:
        args.extend((field, str(card[field])))
    _APPEND(keys=[list_key(card["note_id"]), lease_key(card["note_id"]), card_key(card["id"])], args=args)


def invalidate(note_id: int, comment_ids: Sequence[int] = ()) -> None:
    """Drop a note's cached thread (and the given cards) with its lease: the next read refills
    from the database and any fill in flight is refused."""
    get_redis().delete(list_key(note_id), lease_key(note_id), *(card_key(i) for i in comment_ids))


def thread_drop(note_id: int) -> None:
    """Drop a note's cached thread with its lease (a repair after a failed write): the next read
    refills every card of it from the database."""
    get_redis().delete(list_key(note_id), lease_key(note_id))


def drop_note(note_id: int) -> None:
    """Every comment key of a deleted note."""
    client = get_redis()
    ids = [i for i in client.lrange(list_key(note_id), 0, -1) if i != SENTINEL]
    client.delete(list_key(note_id), lease_key(note_id), *(card_key(i) for i in ids))


def drop_all() -> int:
    """Delete every comment key (``rebuild_redis``): threads refill from the database on read."""
    client = get_redis()
    removed = 0
    batch: list[str] = []
    for name in client.scan_iter(match=key("comment", "*"), count=1000):
        batch.append(name)
        if len(batch) >= 1000:
            removed += client.delete(*batch)
            batch.clear()
    if batch:
        removed += client.delete(*batch)
    return removed


def rebuild_comment_keys(stdout=None, **_kwargs) -> None:
    """Comment threads are cache-aside: rebuilding drops them all (including any a failed write
    left inconsistent); each refills from the database on its next read."""
    removed = drop_all()
    if stdout is not None:
        stdout.write(f"comments: dropped {removed} cached comment keys (threads refill on read)")
