"""A reader's personal filters (屏蔽) as the lists see them: which categories and keywords they
muted and whether content warnings fold — read once per request from Redis (cache-aside through
treehole/cache.py, one GET when warm, no SQL), and matched against note cards.

What a filter hides, and where:
- a muted **category** leaves the mixed feeds (hot/new of every category) and searches across
  every category; a reader who opens that category's own list (or searches inside it) asked for
  it, so its notes show there (the page says the category is muted);
- a muted **keyword** hides every note whose title, content or content warning contains it, in
  every list and search, case- and width-insensitively (``treehole.text.fold``);
- the reader's own notes are never hidden from them (they wrote them and would look for them).

Nothing here concerns who wrote a note: muting people is not offered, because what disappears
when someone mutes "the author of this anonymous note" would tell them who else that author is.

The signed-out reader never reaches this module's Redis key: ``filters_for(None)`` is the default
set without any I/O, so the warm hot list stays zero SQL with the same round trips.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import orjson
from redis.exceptions import RedisError

from notes.ranking.keys import filter_key, filter_lease_key
from treehole import cache
from treehole.text import fold

logger = logging.getLogger(__name__)

# A day, jittered: the value is invalidated on every change, the TTL only bounds a missed delete.
POLICY = cache.Policy(ttl=24 * 3600, absent_ttl=60)


@dataclass(frozen=True)
class FilterSet:
    """What one reader muted. ``keywords`` are folded (``treehole.text.fold``)."""

    categories: frozenset[str] = frozenset()
    keywords: tuple[str, ...] = ()
    fold_warnings: bool = True
    viewer_id: int | None = None

    @property
    def active(self) -> bool:
        return bool(self.categories or self.keywords)

    def hides(self, card: Mapping[str, str], *, listed_category: str | None = None) -> bool:
        """Whether this note card leaves the reader's list (``listed_category``: the category the
        list is of, whose own notes a category mute does not hide)."""
        if self.viewer_id is not None and card.get("author_id") == str(self.viewer_id):
            return False
        if self.categories and listed_category is None and card.get("category") in self.categories:
            return True
        if self.keywords:
            text = fold("\n".join((card.get("title", ""), card.get("content", ""), card.get("content_warning", ""))))
            return any(word in text for word in self.keywords)
        return False


DEFAULT = FilterSet()
MEMO_ATTRIBUTE = "_treehole_note_filters"


def _encode(categories, keywords, fold_warnings: bool) -> str:
    return orjson.dumps({"c": sorted(categories), "k": [fold(word) for word in keywords], "f": bool(fold_warnings)}).decode()


def _load(user_id: int) -> str:
    from notes.models import NoteFilter

    row = NoteFilter.objects.filter(user_id=user_id).values_list("muted_categories", "muted_keywords", "fold_warnings").first()
    if row is None:
        return _encode((), (), True)  # cached too: a reader without filters costs one GET, no SQL
    return _encode(row[0] or (), row[1] or (), row[2])


def filters_for(viewer) -> FilterSet:
    """The viewer's filters: the default for a signed-out viewer (no I/O at all), else one Redis
    read (the database on a miss, single flight; the database alone while Redis is away)."""
    if not getattr(viewer, "is_authenticated", False):
        return DEFAULT
    memo = getattr(viewer, MEMO_ATTRIBUTE, None)
    if memo is not None:
        return memo  # already read in this request (request.user lives as long as the request)
    user_id = viewer.pk
    try:
        raw = cache.read_through(filter_key(user_id), lease_key=filter_lease_key(user_id), load=lambda: _load(user_id),
                                 policy=POLICY, mode="s")
    except RedisError:
        raw = _load(user_id)
    data = orjson.loads(raw)
    found = FilterSet(categories=frozenset(data["c"]), keywords=tuple(word for word in data["k"] if word),
                      fold_warnings=bool(data["f"]), viewer_id=user_id)
    setattr(viewer, MEMO_ATTRIBUTE, found)
    return found


def warning_folded(note: Mapping, reader_filters: FilterSet) -> bool:
    """Whether this reader sees the note folded behind its content warning."""
    return bool(note.get("content_warning")) and reader_filters.fold_warnings


def filter_forget(user_id: int) -> None:
    """Drop the cached filters (after a change commits; also the repair of a failed drop)."""
    cache.invalidate(filter_key(user_id), lease_key=filter_lease_key(user_id))
