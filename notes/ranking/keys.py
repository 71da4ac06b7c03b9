"""Every Redis key of notes, built here and nowhere else (Lua scripts get them as ``KEYS`` or as
a prefix built by these functions), and the named TTLs and policies of those keys."""

from __future__ import annotations

from django.conf import settings

from treehole import cache
from treehole.redis import key

MEMBER_WIDTH = 19  # note ids zero-padded, so Redis' tie order (member, descending) is ``id`` descending
SENTINEL = "_"  # the voted set's "complete" member
ORDERS = ("time", "score")  # the sets behind order=new and order=hot
SET_NAME_SEPARATOR = ":"  # ``time:study``: a category's set

VERSION_TTL_SECONDS = 2 * 24 * 3600  # how long ``note:ver:{id}`` remembers the last applied version
TOMBSTONE_VERSION = 9007199254740991  # a deleted note's version: refuses every later write (2^53 - 1)
LEASE_SECONDS = 60  # leases a list read hands out for the cards it lacks


def member(note_id: int | str) -> str:
    return str(int(note_id)).zfill(MEMBER_WIDTH)


def set_name(order: str, category: str | None = None) -> str:
    """``order`` is ``time`` or ``score``; ``category`` a slug or None for every category."""
    return f"{order}{SET_NAME_SEPARATOR}{category}" if category else order


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


def categories_key() -> str:
    return key("note", "categories")


def categories_lease_key() -> str:
    return key("note", "lease", "categories")


def pending_visits_key() -> str:
    return key("note", "visits", "pending")


def flushing_visits_key() -> str:
    return key("note", "visits", "flushing")


def filter_key(user_id: int) -> str:
    """A member's personal filters (notes/filtering.py), cache-aside."""
    return key("note", "filter", user_id)


def filter_lease_key(user_id: int) -> str:
    return key("note", "filter", "lease", user_id)


def all_keys_pattern() -> str:
    """SCAN pattern of every note key (``rebuild_redis``)."""
    return key("note", "*")


def ranked_set_keys(category: str) -> list[str]:
    return [set_key(set_name(order, scope)) for order in ORDERS for scope in (None, category)]


def count_keys(*categories: str) -> list[str]:
    """The total counts (and their leases) a change of these categories' lists invalidates."""
    keys = [count_key(), count_lease_key()]
    for category in dict.fromkeys(c for c in categories if c):
        keys += [count_key(category), count_lease_key(category)]
    return keys


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


CATEGORIES_POLICY = cache.Policy(ttl=30, jitter=0.1)  # the category list with its counts
