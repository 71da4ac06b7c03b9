"""Reads for notes. Lists and the detail come from Redis when they can (one round trip for a
warm page, whatever its size; no SQL), from the database otherwise, in the same order.

Every function answers the contract's Note objects (dicts) for a viewer (a user or None/anonymous).
"""

from __future__ import annotations

import functools
import logging

import orjson
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone

from django.conf import settings
from django.db.models import BigIntegerField, Count, Exists, OuterRef, Q, Value, prefetch_related_objects
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from moderation.selectors import hidden_reasons
from notes import filtering, ranking
from notes.models import Bookmark, Category, Follow, Note, NoteFilter, NoteImage, NoteRevision, Poll, PollChoice, Vote
from notes.serializers import card_current, card_from_note, note_serialize
from treehole import cache, clock
from treehole.errors import InvalidInput, NotFound
from treehole.pagination import Page, page_bounds, paginate

logger = logging.getLogger(__name__)

ORDER_SETS = {"new": "time", "hot": "score"}


def _viewer_id(viewer) -> int | None:
    return viewer.pk if getattr(viewer, "is_authenticated", False) else None


def _is_staff(viewer) -> bool:
    return bool(getattr(viewer, "is_authenticated", False) and viewer.is_staff)


# --- Categories ----------------------------------------------------------------------------------

def category_list() -> list[dict]:
    """The contract's Categories with their visible note counts (cached briefly; from the
    database while Redis is away)."""
    try:
        raw = cache.read_through(
            ranking.categories_key(), lease_key=ranking.categories_lease_key(), load=_categories_json,
            policy=ranking.CATEGORIES_POLICY, mode="s",
        )
    except RedisError:
        return _categories_load()
    return orjson.loads(raw)


def _categories_load() -> list[dict]:
    rows = Category.objects.annotate(note_count=Count("notes", filter=Q(notes__hidden=False))).order_by("order", "id")
    return [{"slug": c.slug, "name": c.name, "description": c.description, "note_count": c.note_count} for c in rows]


def _categories_json() -> str:
    return orjson.dumps(_categories_load()).decode()


def category_check(slug: str | None) -> str | None:
    """A known category slug (or None for all); an unknown one is a 400 on ``category``."""
    if not slug:
        return None
    if any(c["slug"] == slug for c in category_list()):
        return slug
    raise InvalidInput(_("提交的数据有误。"), fields={"category": [_("没有这个分类。")]})


# --- Loading cards from the database --------------------------------------------------------------

def _with_card_data(notes):
    """What a card needs, in two queries whatever the number of notes (three when some have a poll)."""
    return notes.select_related("category", "author__avatar", "video", "poll").prefetch_related(
        "note_images__image", "poll__options")


def cards_load(note_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """Cards for these notes from the database (one query for the rows, one for their images),
    with the visits counted in Redis but not yet flushed."""
    if not note_ids:
        return {}
    notes = list(_with_card_data(Note.objects.filter(pk__in=note_ids)))
    pending = ranking.pending_visits([note.pk for note in notes])
    return {note.pk: card_from_note(note, pending_visits=pending.get(note.pk, 0)) for note in notes}


def card_load(note_id: int) -> dict[str, str] | None:
    return cards_load([note_id]).get(note_id)


def note_rows_by_id(note_ids: Sequence[int]) -> tuple[dict[int, Note], dict[int, list]]:
    """The rows cards need for these notes (by id, any order) and their images in order (for
    ``_cards_from_rows(..., images=)``). What ``_with_card_data`` prefetches for every page is read
    here only for the notes that have it (an EXISTS in the rows' query says which have images; the
    joined poll says which have one): a page of plain notes costs one query instead of two or three."""
    if not note_ids:
        return {}, {}
    rows = (Note.objects.filter(pk__in=note_ids).select_related("category", "author__avatar", "video", "poll")
            .annotate(with_images=Exists(NoteImage.objects.filter(note_id=OuterRef("pk")))))
    notes = {note.pk: note for note in rows}
    images: dict[int, list] = {}
    with_images = [note.pk for note in notes.values() if note.with_images]
    if with_images:
        for link in NoteImage.objects.filter(note_id__in=with_images).select_related("image"):  # in position order
            images.setdefault(link.note_id, []).append(link.image)
    polls = [poll for poll in (_note_poll(note) for note in notes.values()) if poll is not None]
    if polls:
        prefetch_related_objects(polls, "options")
    return notes, images


def _note_poll(note):
    try:
        return note.poll
    except Poll.DoesNotExist:
        return None


def _cards_from_rows(notes: Iterable[Note], images: dict[int, list] | None = None) -> list[dict[str, str]]:
    """Cards for rows of ``_with_card_data`` (or of ``note_rows_by_id``, passing its ``images``)."""
    notes = list(notes)
    pending = ranking.pending_visits([note.pk for note in notes])
    return [card_from_note(note, pending_visits=pending.get(note.pk, 0),
                           images=None if images is None else images.get(note.pk, []))
            for note in notes]


def _my_votes(viewer_id: int | None, note_ids: Sequence[int]) -> dict[int, int]:
    if viewer_id is None or not note_ids:
        return {}
    return dict(Vote.objects.filter(user_id=viewer_id, note_id__in=note_ids).values_list("note_id", "value"))


def note_relations(viewer_id: int | None, note_ids: Sequence[int], poll_ids: Sequence[int] = ()
                   ) -> tuple[set[int], set[int], dict[int, list[str]]]:
    """Which of ``note_ids`` the viewer follows, which they bookmarked, and the options they chose
    in the polls of ``poll_ids`` (note id -> option ids), in one query."""
    if viewer_id is None or not note_ids:
        return set(), set(), {}
    none = Value(0, output_field=BigIntegerField())
    follows = Follow.objects.filter(user_id=viewer_id, note_id__in=note_ids).values_list("note_id", Value("f"), none)
    marks = Bookmark.objects.filter(user_id=viewer_id, note_id__in=note_ids).values_list("note_id", Value("b"), none)
    parts = [marks]
    if poll_ids:
        parts.append(PollChoice.objects.filter(ballot__user_id=viewer_id, ballot__poll_id__in=poll_ids)
                     .values_list("ballot__poll_id", Value("c"), "option_id"))
    following, bookmarked, choices = set(), set(), {}
    for note_id, kind, option_id in follows.union(*parts, all=True):
        if kind == "f":
            following.add(note_id)
        elif kind == "b":
            bookmarked.add(note_id)
        else:
            choices.setdefault(note_id, []).append(str(option_id))
    return following, bookmarked, choices


def _poll_ids(cards: Sequence[dict[str, str]]) -> list[int]:
    return [int(card["id"]) for card in cards if card.get("poll")]


def _serialize_cards(cards: Sequence[dict[str, str]], viewer, known_votes: dict[int, int] | None = None) -> list[dict]:
    """Note objects for cards; the viewer's votes Redis did not know come from one query, their
    follows, bookmarks and poll choices from another (none for a signed-out viewer)."""
    viewer_id = _viewer_id(viewer)
    if viewer_id is None:
        return [_anonymous_note(card) for card in cards]
    known = dict(known_votes or {})
    ids = [int(card["id"]) for card in cards]
    unknown = [note_id for note_id in ids if note_id not in known]
    known.update(_my_votes(viewer_id, unknown))
    following, bookmarked, choices = note_relations(viewer_id, ids, _poll_ids(cards))
    reader_filters = filtering.filters_for(viewer)
    return [
        _with_warning_fold(note_serialize(card, viewer=viewer, my_vote=known.get(note_id, 0), following=note_id in following,
                                          bookmarked=note_id in bookmarked, my_choices=choices.get(note_id, ())),
                           reader_filters)
        for note_id, card in zip(ids, cards)
    ]


def _anonymous_note(card: dict[str, str]) -> dict:
    """The Note a signed-out reader gets for a card: no vote, follow, bookmark or choice, the
    default filters. It depends on the card alone, so it is built once per distinct card (every
    field of it is the key: a vote, an edit, a visit is another card) and copied per request.
    A card with a poll is built every time: whether the poll shows its votes depends on the clock."""
    if card.get("poll"):
        return _with_warning_fold(note_serialize(card), filtering.DEFAULT)
    note = dict(_anonymous_note_built(tuple(card.items())))
    note["author"] = dict(note["author"])
    return note


@functools.lru_cache(maxsize=4096)
def _anonymous_note_built(items: tuple[tuple[str, str], ...]) -> dict:
    return _with_warning_fold(note_serialize(dict(items)), filtering.DEFAULT)


def _with_warning_fold(note: dict, reader_filters) -> dict:
    """``warning_folded``: the note has a content warning and this reader folds them (the default;
    a choice in their 屏蔽设置)."""
    note["warning_folded"] = filtering.warning_folded(note, reader_filters)
    return note


# --- Lists ---------------------------------------------------------------------------------------

def _ordering(order: str) -> tuple[str, str]:
    return ranking.ORDERING[ORDER_SETS[order]]


def _paginate_notes(notes, *, page: int, size: int, viewer) -> Page:
    """A page of note rows (an ordered queryset) as Note objects for the viewer."""
    return paginate(_with_card_data(notes), page=page, size=size,
                    load=lambda rows: _serialize_cards(_cards_from_rows(rows), viewer))


def _database_page(order: str, category: str | None, page: int, size: int, viewer) -> Page:
    notes = ranking.visible_notes(category, include_hidden=_is_staff(viewer)).order_by(*_ordering(order))
    return _paginate_notes(notes, page=page, size=size, viewer=viewer)


def _database_cards(order: str, category: str | None, offset: int, size: int, viewer) -> tuple[list, dict, int]:
    """``(cards, known votes, total)`` of one stretch of the list, from the database."""
    notes = ranking.visible_notes(category, include_hidden=_is_staff(viewer)).order_by(*_ordering(order))
    total = notes.count()
    rows = list(_with_card_data(notes)[offset:offset + size]) if offset < total else []
    return _cards_from_rows(rows), {}, total


def _after_boundary(order: str, category: str | None, boundary: tuple[str, float]):
    """Visible notes after the set's last element, in the set's order (keyset, so the database
    continues exactly where Redis stops)."""
    last_id, last_score = int(boundary[0]), boundary[1]
    notes = _with_card_data(ranking.visible_notes(category))
    if order == "hot":
        score = int(last_score)
        notes = notes.filter(Q(score__lt=score) | Q(score=score, id__lt=last_id))
    else:
        created = datetime.fromtimestamp(last_score, tz=timezone.utc)
        notes = notes.filter(Q(created_at__lt=created) | Q(created_at=created, id__lt=last_id))
    return notes.order_by(*_ordering(order))


def _list_total(window: ranking.ListWindow, category: str | None) -> int:
    if window.state == "all":
        return window.cardinality
    if window.count is not None:
        return window.count
    total = ranking.visible_notes(category).count()
    cache.fill(
        ranking.count_key(category), str(total), lease_key=ranking.count_lease_key(category),
        token=window.count_lease, policy=ranking.count_policy(), mode="s",
    )
    return total


def note_list(*, order: str, category: str | None = None, page: int = 1, size: int | None = None, viewer=None) -> Page:
    """``order`` "hot" (score) or "new" (creation), optionally in one category, stable across
    pages: Redis serves what its set holds, the database continues after the set's last element."""
    if order not in ORDER_SETS:
        raise InvalidInput(_("提交的数据有误。"), fields={"order": [_("只能是 hot 或 new。")]})
    page, size = page_bounds(page, size)
    category = category_check(category)
    reader_filters = filtering.filters_for(viewer)
    if reader_filters.active:
        return _filtered_list(order, category, page, size, viewer, reader_filters)
    if _is_staff(viewer):
        return _database_page(order, category, page, size, viewer)  # staff also see hidden notes
    try:
        return _redis_page(order, category, page, size, viewer)
    except RedisError as exc:
        # Redis is the index, not the truth: without it the database answers (slower, same order).
        logger.warning("Redis failed while listing notes (%s); answering from the database", exc.__class__.__name__)
        return _database_page(order, category, page, size, viewer)


def note_list_digest(*, order: str, category: str | None = None, page: int = 1, size: int | None = None,
                     with_categories: bool = False) -> str | None:
    """A digest of everything page ``page`` of the list shows a signed-out reader (and of the
    category list with its counts, ``with_categories``: the home page shows it), or None when
    Redis does not hold all of it (then read the page with ``note_list``). The same digest means
    the same notes, counters, flags and texts in the same order."""
    if order not in ORDER_SETS:
        return None
    try:
        page, size = page_bounds(page, size)
        category = category_check(category)
        digest, closes = ranking.list_digest(ranking.set_name(ORDER_SETS[order], category), offset=(page - 1) * size,
                                             size=size, with_categories=with_categories)
    except (InvalidInput, RedisError):
        return None
    if not digest:
        return None
    # A poll closes by the clock, not by a write: whether each one is closed now is part of what
    # the page shows (its results appear), so it is part of the digest.
    now = clock.now()
    return digest + "".join("c" if now >= datetime.fromisoformat(at) else "o" for at in closes)


def _redis_page(order: str, category: str | None, page: int, size: int, viewer) -> Page:
    offset = (page - 1) * size
    stretch = _redis_cards(order, category, offset, size, viewer)
    if stretch is None:
        return _database_page(order, category, page, size, viewer)
    cards, known, total = stretch
    return Page(_serialize_cards(cards, viewer, known), page, size, total)


def _redis_cards(order: str, category: str | None, offset: int, size: int, viewer) -> tuple[list, dict, int] | None:
    """``(cards, known votes, total)`` of one stretch of the list as Redis serves it (the
    database continuing after the set's last element); None when the set cannot be built."""
    name = ranking.set_name(ORDER_SETS[order], category)
    viewer_id = _viewer_id(viewer)
    window = ranking.list_window(name, offset=offset, size=size, viewer_id=viewer_id)
    if not window.ready:
        try:
            built = ranking.rank_build(name)  # the set's fill (after a restart or a flush)
        except Exception:  # noqa: BLE001 - a failed build must not fail the read
            logger.exception("Building ranking set %s failed", name)
            built = False
        if built:
            window = ranking.list_window(name, offset=offset, size=size, viewer_id=viewer_id)
        if not window.ready:
            return None

    # Cards Redis lacks (evicted from the cache, just edited) are loaded in one query and filled.
    missing = {int(note_id): lease for note_id, card, lease, _mine in window.rows if card is None}
    stale = [int(note_id) for note_id, card, _lease, _mine in window.rows if card is not None and not card_current(card)]
    if stale:
        # Cards of an older layout (cached before an upgrade): dropped and read again like missing ones.
        missing.update(ranking.cards_drop(stale))
        window.rows = [(note_id, None if int(note_id) in missing else card, lease, mine)
                       for note_id, card, lease, mine in window.rows]
    loaded = cards_load(list(missing)) if missing else {}
    if missing:
        ranking.card_fill_many({note_id: loaded.get(note_id) for note_id in missing}, missing)
    cards, known = [], {}
    for note_id, card, _lease, mine in window.rows:
        card = card or loaded.get(int(note_id))
        if card is None or card.get("hidden") == "1":
            continue  # deleted or hidden a moment ago
        cards.append(card)
        if mine not in ("", "?"):
            known[int(note_id)] = int(float(mine))
    total = _list_total(window, category)
    if window.state == "top" and len(window.rows) < size and window.boundary is not None:
        skip = max(0, offset - window.cardinality)
        need = size - len(window.rows)
        tail = list(_after_boundary(order, category, window.boundary)[skip:skip + need])
        cards += _cards_from_rows(tail)
    return cards, known, total


def _filtered_list(order: str, category: str | None, page: int, size: int, viewer, reader_filters) -> Page:
    """A page of the list with the reader's muted notes taken out. The list is read from its
    start in growing stretches (one Redis round trip each; page 1 of a lightly filtered list
    needs one) until the page and one more note are found, so pages stay stable and never short.
    ``total`` is exact once the end was read; before that it counts the notes not yet read as
    kept (an upper bound, so ``has_next`` is always right)."""
    staff = _is_staff(viewer)

    def fetch(offset: int, count: int):
        if staff:
            return _database_cards(order, category, offset, count, viewer)
        try:
            stretch = _redis_cards(order, category, offset, count, viewer)
        except RedisError as exc:
            logger.warning("Redis failed while listing notes (%s); answering from the database", exc.__class__.__name__)
            stretch = None
        return stretch if stretch is not None else _database_cards(order, category, offset, count, viewer)

    return filtered_page(fetch, reader_filters, listed_category=category, page=page, size=size,
                         serialize=lambda cards, known: _serialize_cards(cards, viewer, known))


def filtered_page(fetch, reader_filters, *, listed_category: str | None, page: int, size: int, serialize) -> Page:
    """The filtering walk shared by lists and search: ``fetch(offset, count) -> (cards, known
    votes, total)`` reads a stretch of the unfiltered sequence; ``serialize(cards, known)`` makes
    the page's results."""
    offset = (page - 1) * size
    need = offset + size + 1
    limit = need + settings.TREEHOLE_LIMITS["filter_scan"]
    kept, known, hidden, position = [], {}, 0, 0
    step = max(need + need // 2, 30)
    total = 0
    exhausted = False
    while len(kept) < need:
        step = min(step, limit - position)
        if step <= 0:
            exhausted = True  # the walk's bound: what was read is the list
            break
        cards, votes, total = fetch(position, step)
        known.update(votes)
        for card in cards:
            if reader_filters.hides(card, listed_category=listed_category):
                hidden += 1
            else:
                kept.append(card)
        position += step
        if position >= total:
            exhausted = True
            break
        step = min(step * 2, 500)
    if exhausted:
        total = len(kept)
    else:
        total = max(total - hidden, len(kept))
    return Page(serialize(kept[offset:offset + size], known), page, size, total)


def note_list_by_author(*, user, page: int = 1, size: int | None = None, viewer=None) -> Page:
    """The user's own notes, newest first (what ``/me/notes`` and "我的帖子" show)."""
    page, size = page_bounds(page, size)
    viewer = viewer or user
    notes = Note.objects.filter(author=user)
    own = _viewer_id(viewer) == user.pk
    if own:
        # Their own list shows every note, a hidden one marked as hidden with the moderator's
        # reason (a note never silently disappears from its author's list).
        return paginate(_with_card_data(notes.order_by("-created_at", "-id")), page=page, size=size,
                        load=lambda rows: _with_moderation_state(rows, viewer))
    if not _is_staff(viewer):
        notes = notes.filter(hidden=False)
    return _paginate_notes(notes.order_by("-created_at", "-id"), page=page, size=size, viewer=viewer)


def _relation_page(model, *, user, page: int, size: int | None) -> Page:
    """The user's followed or bookmarked notes that they may see, most recent relation first."""
    page, size = page_bounds(page, size)
    rows = model.objects.filter(user=user)
    if not user.is_staff:
        rows = rows.filter(Q(note__hidden=False) | Q(note__held=True, note__author_id=user.pk))

    def load(note_ids: list[int]) -> list[dict]:
        notes = {note.pk: note for note in _with_card_data(Note.objects.filter(pk__in=note_ids))}
        return _serialize_cards(_cards_from_rows(notes[pk] for pk in note_ids if pk in notes), user)

    ids = rows.order_by("-created_at", "-id").values_list("note_id", flat=True)
    return paginate(ids, page=page, size=size, load=load)


def note_list_following(*, user, page: int = 1, size: int | None = None) -> Page:
    """"我的关注": the notes the user follows, most recently followed first."""
    return _relation_page(Follow, user=user, page=page, size=size)


def note_list_bookmarked(*, user, page: int = 1, size: int | None = None) -> Page:
    """"我的收藏": the user's bookmarks, most recently bookmarked first."""
    return _relation_page(Bookmark, user=user, page=page, size=size)


def note_filter_get(*, user) -> dict:
    """The reader's personal filters as saved (their settings page and ``GET /me/filters``)."""
    row = NoteFilter.objects.filter(user_id=user.pk).first()
    if row is None:
        return {"muted_categories": [], "muted_keywords": [], "fold_warnings": True, "updated_at": None}
    return {"muted_categories": list(row.muted_categories), "muted_keywords": list(row.muted_keywords),
            "fold_warnings": row.fold_warnings, "updated_at": row.updated_at}


def follow_seen_times(*, user_id: int, note_ids: Sequence[int]) -> dict[int, datetime]:
    """When the user last opened each of these followed notes."""
    return dict(Follow.objects.filter(user_id=user_id, note_id__in=note_ids).values_list("note_id", "seen_at"))


def note_follower_ids(*, note_id: int, after: int = 0, limit: int = 1000) -> list[int]:
    """A batch of the note's followers in user order, after ``after`` (the fan-out's cursor)."""
    return list(
        Follow.objects.filter(note_id=note_id, user_id__gt=after).order_by("user_id").values_list("user_id", flat=True)[:limit]
    )


def _with_moderation_state(rows, viewer) -> list[dict]:
    """Note objects plus ``moderation_state`` (visible / pending_review / hidden) and
    ``hidden_reason`` (the moderator's reason, or None), for the author's own list."""
    cards = _cards_from_rows(rows)
    results = _serialize_cards(cards, viewer)
    hidden_ids = [int(card["id"]) for card in cards if card["hidden"] == "1" and card["held"] != "1"]
    reasons = hidden_reasons(target_type="note", ids=hidden_ids) if hidden_ids else {}
    for card, note in zip(cards, results):
        if card["held"] == "1":
            state = "pending_review"
        elif card["hidden"] == "1":
            state = "hidden"
        else:
            state = "visible"
        note["moderation_state"] = state
        note["hidden_reason"] = (reasons.get(int(card["id"])) or None) if state == "hidden" else None
    return results


# --- Detail --------------------------------------------------------------------------------------

def note_detail(*, note_id: int, viewer=None, count_visit: bool = True, with_relations: bool = True) -> dict:
    """One note (counting a visit by default). Warm: one Redis round trip and no SQL; cold: one
    loader for any number of concurrent readers; a missing id is remembered as absent briefly.
    A signed-in viewer's follow and bookmark cost one query (``with_relations=False`` skips it for
    callers that only need the note, such as the comment thread)."""
    viewer_id = _viewer_id(viewer)
    try:
        card, mine = _detail_from_redis(note_id, count_visit=count_visit, viewer_id=viewer_id)
    except RedisError as exc:
        # The index is away: the row itself (a visit then is not counted; votes from the database).
        logger.warning("Redis failed while reading note %s (%s); answering from the database", note_id,
                       exc.__class__.__name__)
        card, mine = card_load(note_id), "?"
    if card is None:
        raise NotFound(_("帖子不存在或已被删除。"))
    if card.get("hidden") == "1" and not _is_staff(viewer) and not _own_held(card, viewer_id):
        raise NotFound(_("帖子不存在或已被删除。"))
    if mine == "?":
        my_vote = _my_votes(viewer_id, [note_id]).get(note_id, 0)  # no query for a signed-out viewer
    else:
        my_vote = int(float(mine)) if mine else 0
    following, bookmarked, choices = (note_relations(viewer_id, [note_id], _poll_ids([card])) if with_relations
                                      else (set(), set(), {}))
    return _with_warning_fold(note_serialize(card, viewer=viewer, my_vote=my_vote, following=note_id in following,
                                             bookmarked=note_id in bookmarked, my_choices=choices.get(note_id, ())),
                              filtering.filters_for(viewer))


def _detail_from_redis(note_id: int, *, count_visit: bool, viewer_id: int | None) -> tuple[dict | None, str]:
    """The card (None: no such note) and the viewer's vote as Redis knows it ('?': unknown)."""
    status, card, mine = ranking.detail_read(note_id, count_visit=count_visit, viewer_id=viewer_id)
    if status == "absent":
        return None, ""
    if status == "hit" and not card_current(card):
        ranking.cards_drop([note_id])  # an older layout (cached before an upgrade): read it again
        status = "miss"
    if status == "miss":
        card = cache.read_through(
            ranking.info_key(note_id),
            lease_key=ranking.lease_key(note_id),
            load=lambda: card_load(note_id),
            policy=ranking.info_policy(),
            version_field="v",
            version_key=ranking.ver_key(note_id),
            persist_sets=lambda loaded: ranking.ranked_set_keys(loaded["category"]),
            member=ranking.member(note_id),
            peek=lambda: None,
        )
        if card is None:
            return None, ""
        if count_visit and card.get("hidden") != "1":
            visits = ranking.visit_count(note_id)
            card["visits"] = str(visits if visits is not None else int(card["visits"]) + 1)
        mine = "?"
    return card, mine


def _own_held(card, viewer_id: int | None) -> bool:
    """Held notes are visible to their author (and staff) until a moderator approves them."""
    return card.get("held") == "1" and viewer_id is not None and str(viewer_id) == card["author_id"]


def note_id_by_number(*, number: int, viewer=None) -> int:
    """The id of note ``#number`` (for ``/n/1234`` and ``/api/v1/notes/by-number/1234``); a number
    nobody has, or a note the viewer may not see, is a 404 like a missing note."""
    row = Note.objects.filter(number=number).values("pk", "hidden", "held", "author_id").first() if 0 < number < 1 << 31 else None
    if row is None or (row["hidden"] and not _is_staff(viewer)
                       and not (row["held"] and _viewer_id(viewer) == row["author_id"])):
        raise NotFound(_("帖子不存在或已被删除。"))
    return row["pk"]


def note_for_edit(*, note_id: int, user) -> Note:
    """The note row for its author's edit form."""
    note = Note.objects.select_related("category", "video").prefetch_related("note_images__image").filter(pk=note_id).first()
    if note is None or (note.hidden and not user.is_staff and not (note.held and note.author_id == user.pk)):
        raise NotFound(_("帖子不存在或已被删除。"))
    return note


# --- Edit history --------------------------------------------------------------------------------

def _visible_note_row(note_id: int, viewer) -> dict:
    """The few columns that say whether the viewer may see the note (404 like a missing one)."""
    row = Note.objects.filter(pk=note_id).values("pk", "title", "hidden", "held", "author_id").first()
    if row is None or (row["hidden"] and not _is_staff(viewer)
                       and not (row["held"] and _viewer_id(viewer) == row["author_id"])):
        raise NotFound(_("帖子不存在或已被删除。"))
    return row


def note_revisions(*, note_id: int, viewer=None) -> list[dict]:
    """The note's earlier versions, newest first: ``{title, content, written_at, edited_at}``
    (``edited_at``: when an edit replaced that text). Anyone who may see the note may read them;
    a revision names no author."""
    _visible_note_row(note_id, viewer)
    rows = NoteRevision.objects.filter(note_id=note_id).order_by("-edited_at", "-id")
    return [
        {"title": row.title, "content": row.content, "written_at": row.written_at.isoformat(),
         "edited_at": row.edited_at.isoformat()}
        for row in rows
    ]
