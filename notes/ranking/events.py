"""The rankings' writes: one function per event, each one Lua script over the shared placement
library, run after the database commit (treehole.effects.after_commit). Every script carries
the row's version, and an older one never overwrites a newer one (callbacks may run out of order)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from django.conf import settings

from notes.ranking import keys, scripts
from treehole import cache
from treehole.redis import get_redis


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


def rank_state(note, *, previous_category: str = "") -> RankState:
    """The state of a note row (``category`` selected)."""
    from notes.serializers import time_score

    return RankState(
        note_id=note.pk,
        version=note.version,
        category=note.category.slug,
        time_score=time_score(note.created_at),
        hot_score=note.score,
        visible=not note.hidden,
        previous_category=previous_category,
    )


def _placing(script, state: RankState, keys_: list[str], args: list, client=None):
    """Run a placing script: the library's KEYS and ARGV (lua/placement.lua), then the event's."""
    header_keys = [keys.ver_key(state.note_id), keys.sets_state_key()]
    header_args = [
        keys.set_key(""), keys.dirty_key(""), keys.info_key(""), *keys.ORDERS, keys.SET_NAME_SEPARATOR,
        keys.rank_size(), keys.member(state.note_id), state.version, "1" if state.visible else "0",
        state.category, state.previous_category, repr(float(state.time_score)), int(state.hot_score),
        keys.VERSION_TTL_SECONDS,
    ]
    return script(keys=[*header_keys, *keys_], args=[*header_args, *args], client=client)


def _card_ttl() -> int:
    return cache.jittered(settings.NOTES_CACHE_TTL_SECONDS, settings.NOTES_CACHE_JITTER) or 1


def _flat(fields: Mapping[str, str]) -> list[str]:
    return [part for item in fields.items() for part in item]


def note_created(state: RankState, *, card: Mapping[str, str], voted_ttl: int) -> None:
    """A new note: its card, its (empty, complete) voted set, its place in the rankings."""
    note_id = state.note_id
    _placing(
        scripts.CREATED, state,
        [keys.info_key(note_id), keys.voted_key(note_id), *keys.count_keys(state.category)],
        [_card_ttl(), max(0, int(voted_ttl)), keys.SENTINEL, *_flat(card)],
    )


def note_voted(state: RankState, *, approve: int, against: int, voter_id: int | None, value: int) -> None:
    """Apply one committed vote: absolute counters and score (never deltas), and the voter's entry."""
    note_id = state.note_id
    fields = {"approve": str(approve), "against": str(against), "score": str(state.hot_score), "v": str(state.version)}
    _placing(
        scripts.VOTED, state,
        [keys.info_key(note_id), keys.voted_key(note_id), keys.votedv_key(note_id)],
        ["" if voter_id is None else str(voter_id), int(value), *_flat(fields)],
    )


def note_changed(state: RankState, *, counts: bool = False) -> None:
    """An edit, a hide or an unhide, a fold: the card is deleted (the next read refills it) and the
    note is placed again (or removed, when hidden). ``counts``: the lists' totals changed."""
    note_id = state.note_id
    dropped = keys.count_keys(state.category, state.previous_category) if counts else []
    _placing(scripts.CHANGED, state, [keys.info_key(note_id), keys.lease_key(note_id), *dropped], [])


def note_removed(state: RankState, client=None) -> None:
    """A deleted note: every key of it and its place in every set (``note:ver:{id}`` stays as a
    tombstone for NOTES_TOMBSTONE_SECONDS so that a late callback cannot resurrect it)."""
    note_id = state.note_id
    _placing(
        scripts.REMOVED, replace(state, visible=False),
        [keys.info_key(note_id), keys.lease_key(note_id), cache.lock_key(keys.info_key(note_id)),
         keys.voted_key(note_id), keys.votedv_key(note_id), *keys.count_keys(state.category)],
        [keys.TOMBSTONE_VERSION, settings.NOTES_TOMBSTONE_SECONDS],
        client=client,
    )


def note_placed(states: Iterable[RankState]) -> None:
    """Place notes read from the database (a build's fix-up) in one round trip."""
    pipe = get_redis().pipeline(transaction=False)
    for state in states:
        _placing(scripts.PLACED, state, [keys.info_key(state.note_id)], [], client=pipe)
    pipe.execute()


def note_repair(note_id: int) -> None:
    """Redo a note's Redis state from its row after a side effect of it failed
    (treehole/effects.py): its place in every set (none when it is hidden or gone), its card
    dropped (the next read refills it), its voted set dropped (votes then come from the
    database), the totals recounted."""
    from notes.models import Category, Note

    note = Note.objects.select_related("category").filter(pk=note_id).first()
    if note is None:
        pipe = get_redis().pipeline(transaction=False)
        for slug in Category.objects.values_list("slug", flat=True):
            note_removed(RankState(note_id, 0, slug, 0.0, 0, False), client=pipe)
        pipe.execute()
        return
    note_changed(rank_state(note), counts=True)
    get_redis().delete(keys.voted_key(note_id), keys.votedv_key(note_id))


def note_info_invalidate(note_id: int) -> None:
    """Delete the card and its lease (the delayed second delete runs this)."""
    cache.invalidate(keys.info_key(note_id), lease_key=keys.lease_key(note_id))


def note_info_incr_comments(note_id: int, delta: int, *, version: int | None = None, count: int | None = None) -> int:
    """Change the card's ``comment_count`` atomically (only when the card is cached; a missing
    card is filled from the database later). Pass the note's new ``version`` and absolute
    ``count`` (as notes.services.note_comment_count_add does) to be safe against reordering."""
    result = scripts.COMMENT_COUNT(
        keys=[keys.info_key(note_id), keys.ver_key(note_id)],
        args=[int(delta), "" if version is None else int(version), "" if count is None else int(count),
              keys.VERSION_TTL_SECONDS],
    )
    return int(result)


def note_poll_changed(note_id: int, *, version: int, poll: str) -> int:
    """Write a poll's committed counts (the card's ``poll`` field, version ``version``) into the
    note's cached card; a missing card loses its fill lease instead (the next fill reads them)."""
    return int(scripts.POLL(keys=[keys.info_key(note_id), keys.lease_key(note_id)], args=[int(version), poll]))


def categories_changed() -> None:
    """The category list (names, counts) changed: drop its cached copy."""
    cache.invalidate(keys.categories_key(), lease_key=keys.categories_lease_key())
