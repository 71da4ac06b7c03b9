"""Building a ranking set from the database: what a list read does when its set is missing
(after a restart or a flush) and what ``rebuild_redis`` does for every set. Writes that land
while a set is being built are noted by the scripts and placed again from the database after it."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence

from django.conf import settings

from notes.ranking import events, keys, scripts
from treehole import cache
from treehole.redis import get_redis

# The database order of each set (and of the list pages that continue after it).
ORDERING = {"score": ("-score", "-id"), "time": ("-created_at", "-id")}


def visible_notes(category: str | None = None, *, include_hidden: bool = False):
    """The notes a list shows (visible ones unless staff asks), as a queryset."""
    from notes.models import Note

    notes = Note.objects.all() if include_hidden else Note.objects.filter(hidden=False)
    return notes.filter(category__slug=category) if category else notes


def rank_build(name: str) -> bool:
    """Build one ranking set from the database, unless someone else is building it (False)."""
    token = _build_lock(name)
    if token is None:
        return False
    try:
        order, _sep, category = name.partition(keys.SET_NAME_SEPARATOR)
        limit = keys.rank_size()
        scripts.BUILD_BEGIN(keys=[keys.sets_state_key(), keys.set_key(name), keys.dirty_key(name)], args=[name])
        field = "score" if order == "score" else "created_at"
        rows = list(visible_notes(category or None).order_by(*ORDERING[order]).values_list("pk", field)[: limit + 1])
        pairs = [(pk, value if order == "score" else value.timestamp()) for pk, value in rows[:limit]]
        dirty = _install(name, complete=len(rows) <= limit, pairs=pairs)
        if dirty:
            _fix_up(name, dirty)
        return True
    finally:
        cache.release_lock(keys.build_lock_key(name), token)


def _build_lock(name: str) -> str | None:
    token = secrets.token_hex(8)
    ok = get_redis().set(keys.build_lock_key(name), token, nx=True, px=settings.NOTES_BUILD_LOCK_MS)
    return token if ok else None


def _install(name: str, *, complete: bool, pairs: Sequence[tuple[int, float]]) -> list[int] | None:
    """Install the members read from the database. Returns the ids written meanwhile (to fix up),
    or None when the build was abandoned (e.g. Redis was flushed under it)."""
    args: list = [name, "all" if complete else "top"]
    for note_id, score in pairs:
        args += [repr(float(score)), keys.member(note_id)]
    dirty = scripts.BUILD_INSTALL(keys=[keys.sets_state_key(), keys.set_key(name), keys.dirty_key(name)], args=args)
    if dirty is None:
        return None
    return [int(m) for m in dirty]


def _fix_up(name: str, note_ids: Sequence[int]) -> None:
    """Place again, from the database, notes written while a set was being built (a note deleted
    meanwhile may have been read before its deletion: it leaves the set)."""
    from notes.models import Note

    notes = list(Note.objects.select_related("category").filter(pk__in=note_ids))
    events.note_placed([events.rank_state(note) for note in notes])
    gone = set(note_ids) - {note.pk for note in notes}
    if gone:
        set_remove(name, gone)


def set_remove(name: str, note_ids: Iterable[int]) -> None:
    get_redis().zrem(keys.set_key(name), *[keys.member(note_id) for note_id in note_ids])
