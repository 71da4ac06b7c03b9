"""The rankings' reads: a list page, a note's card, its visit — one round trip each."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from redis.exceptions import RedisError

from notes.ranking import keys, scripts
from treehole import cache
from treehole.redis import get_redis


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
    category = name.split(keys.SET_NAME_SEPARATOR, 1)[1] if keys.SET_NAME_SEPARATOR in name else None
    raw = scripts.LIST(
        keys=[keys.sets_state_key(), keys.set_key(name), keys.count_key(category), keys.count_lease_key(category)],
        args=[name, offset, size, keys.info_key(""), keys.lease_key(""), keys.voted_key(""),
              "" if viewer_id is None else str(viewer_id), secrets.token_hex(6), keys.LEASE_SECONDS],
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


def list_digest(name: str, *, offset: int, size: int, with_categories: bool = False) -> tuple[str, list[str]]:
    """One round trip: a digest of everything the page's cards hold (and of the cached category
    list, ``with_categories``; '' when Redis does not hold all of it) and the ``closes_at`` of the page's polls. Two reads that return the same digest
    saw the same cards."""
    category = name.split(keys.SET_NAME_SEPARATOR, 1)[1] if keys.SET_NAME_SEPARATOR in name else None
    raw = scripts.LIST_DIGEST(
        keys=[keys.sets_state_key(), keys.set_key(name), keys.count_key(category), keys.categories_key()],
        args=[name, offset, size, keys.info_key(""), cache.ABSENT_VALUE, "1" if with_categories else "0"],
    )
    return (raw[0] or ""), list(raw[1:])


def detail_read(note_id: int, *, count_visit: bool, viewer_id: int | None):
    """One round trip: ("miss", None, "") | ("absent", None, "") | ("hit", card, my vote)."""
    raw = scripts.DETAIL(
        keys=[keys.info_key(note_id), keys.pending_visits_key(), keys.voted_key(note_id)],
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
    result = int(scripts.VISIT(keys=[keys.info_key(note_id), keys.pending_visits_key()], args=[note_id]))
    return None if result < 0 else result


def pending_visits(note_ids: Sequence[int]) -> dict[int, int]:
    """Visits counted in Redis and not yet in the database (pending and being flushed)."""
    if not note_ids:
        return {}
    pipe = get_redis().pipeline(transaction=False)
    pipe.hmget(keys.pending_visits_key(), [str(i) for i in note_ids])
    pipe.hmget(keys.flushing_visits_key(), [str(i) for i in note_ids])
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
        pipe.delete(keys.info_key(note_id))
        cache.lease_take(keys.lease_key(note_id), client=pipe)
    results = pipe.execute()
    return {note_id: token for note_id, token in zip(note_ids, results[1::2])}


def card_fill_many(cards: Mapping[int, Mapping[str, str] | None], leases: Mapping[int, str]) -> None:
    """Fill several cards (read from the database after their leases were taken) in one round trip."""
    pipe = get_redis().pipeline(transaction=False)
    policy = keys.info_policy()
    for note_id, card in cards.items():
        category = card["category"] if card else None
        cache.fill(
            keys.info_key(note_id), card, lease_key=keys.lease_key(note_id), token=leases[note_id], policy=policy,
            version=int(card["v"]) if card else None, version_key=keys.ver_key(note_id),
            persist_sets=keys.ranked_set_keys(category) if category else (), member=keys.member(note_id), client=pipe,
        )
    pipe.execute()


def set_state(name: str) -> str | None:
    return get_redis().hget(keys.sets_state_key(), name)
