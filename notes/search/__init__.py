"""Full-text search of notes: the one module that owns the index and its queries.

    from notes import search
    answer = search.note_search(q="考研 工作", viewer=request.user)      # a SearchAnswer
    search.note_changed(note_id)                    # in a service's transaction: reindex on commit
    search.rebuild(stdout=...)                      # what `manage.py rebuild_search` runs

- **Query** (``note_search``): ``mode="words"`` (every word must occur; Chinese typed without
  spaces is cut into words by jieba) or ``"exact"`` (the phrase as typed); ``order="relevance"``
  (the engine's TF-IDF score, title ×5) or ``"new"``; a category; ``since``/``until`` dates (the
  site's time zone, both days included); ``comments=True`` (包括评论) also searches the note's
  signed comments. ``#123`` jumps to note number 123. Results are the contract's Note objects, each
  with ``snippet: {field, text, marks}``.
- **Who sees what**: the index holds visible notes and held ones (found by their author only);
  a hidden or deleted note has no document, and every result is checked against the database
  again before it is shown. An anonymous author is never found by name (``documents``).
- **Index upkeep**: services call :func:`note_changed` inside their transaction; the document is
  rewritten from the database once it commits (a background job for comment changes, which may
  rebuild a long thread's text). :func:`rebuild` recreates everything, then :func:`reconcile`
  compares the index with the database note by note.
- **Engines** (``backends``): Mroonga on MariaDB, FTS5 on SQLite, chosen by ``SEARCH_BACKEND``.
"""

from __future__ import annotations

import dataclasses

import logging
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time as dt_time, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from notes.search import documents, load, snippets, text
from notes.search.backends import SearchBackend, SearchQuery, SearchUnavailable, backend_class, default_name
from treehole.effects import Repair, after_commit
from treehole.errors import InvalidInput, Unavailable
from treehole.pagination import Page, page_bounds

logger = logging.getLogger(__name__)

MODES = ("words", "exact")
ORDERS = ("relevance", "new")
QUERY_MAX_CHARS = 100
NOTE_FIELDS = ("id", "author_id", "category_id", "title", "content", "anonymous", "hidden", "held", "version", "created_at")
CHUNK = 2000
_HASH = re.compile(r"#(\d{1,20})")
SNOWFLAKE_MIN = 1 << 32  # a "#N" this large is a note id rather than a note number
NUMBER_MAX = (1 << 31) - 1  # the largest Note.number the column holds

_backends: dict[str, SearchBackend] = {}


def get_backend() -> SearchBackend:
    """The configured engine (``SEARCH_BACKEND``: ``auto`` picks Mroonga on MariaDB, FTS5 on SQLite)."""
    name = settings.SEARCH_BACKEND
    if name == "auto":
        name = default_name(connection.vendor)
    if name not in _backends:
        _backends[name] = backend_class(name)()
    return _backends[name]


# --- Keeping the index in step ---------------------------------------------------------------------

def index_notes(note_ids: Iterable[int]) -> None:
    """Rewrite the documents of these notes from the database (deleting those that should have
    none: gone, or hidden by a moderator)."""
    from notes.models import Note

    ids = {int(note_id) for note_id in note_ids}
    if not ids:
        return
    docs = documents.build(Note.objects.filter(pk__in=ids).only(*NOTE_FIELDS))
    backend = get_backend()
    backend.upsert(docs)
    backend.delete(ids - {doc.id for doc in docs})


def _apply(note_id: int, background: bool) -> None:
    if background:
        try:
            from notes.tasks import search_index_notes

            search_index_notes([note_id])
            return
        except Exception:  # noqa: BLE001 - no queue (Redis down): index here rather than not at all
            logger.exception("Could not queue the search update of note %s; indexing it now", note_id)
    index_notes([note_id])


def note_reindex(note_id: int) -> None:
    """Rewrite one note's document from the database (the repair of a failed ``note_changed``)."""
    index_notes([note_id])


def note_changed(note_id: int, *, background: bool = False) -> None:
    """Reindex the note once the current transaction commits (at once outside one), through the
    one on-commit helper: a failure is logged, never raised into the request, and its repair
    (:func:`note_reindex`) is recorded to run later; ``rebuild_search --reconcile`` is the net
    under that."""
    after_commit(lambda: _apply(note_id, background), repair=Repair(note_reindex, note_id))


# --- Rebuild -------------------------------------------------------------------------------------

def _note_batches(counter: list[int], batch: int) -> Iterator[list[documents.Document]]:
    from notes.models import Note

    last = 0
    while True:
        notes = list(Note.objects.filter(pk__gt=last).order_by("pk").only(*NOTE_FIELDS)[:batch])
        if not notes:
            return
        last = notes[-1].pk
        counter[0] += len(notes)
        yield documents.build(notes)


def rebuild(*, stdout=None, batch: int = CHUNK) -> dict:
    """Recreate the whole index from the database (searches keep answering meanwhile), then
    reconcile it. Returns ``{"notes", "documents", "seconds", "bytes", "fixed"}``."""
    from notes.models import Note

    backend = get_backend()
    started = time.monotonic()
    total = Note.objects.count()
    counter = [0]
    last_report = [0.0]

    def progress(_documents: int) -> None:
        now = time.monotonic()
        if stdout is not None and (now - last_report[0] >= 2 or counter[0] == total):
            last_report[0] = now
            rate = counter[0] / max(now - started, 1e-6)
            stdout.write(f"search: {counter[0]:,}/{total:,} notes read ({rate:,.0f}/s)")

    backend.rebuild(_note_batches(counter, batch), progress)
    loaded = time.monotonic() - started
    if stdout is not None:
        stdout.write(f"search: index built in {loaded:.1f}s; reconciling with the database")
    fixed = reconcile(stdout=stdout)
    stats = backend.stats()
    seconds = time.monotonic() - started
    if stdout is not None:
        size = f"{stats['bytes'] / 2**20:,.1f} MiB" if stats.get("bytes") else "size unknown"
        stdout.write(f"search: {stats['documents']:,} documents ({size}) from {counter[0]:,} notes "
                     f"in {seconds:.1f}s ({backend.name}); {fixed} fixed while reconciling")
    return {"notes": counter[0], "documents": stats["documents"], "bytes": stats.get("bytes"),
            "seconds": round(seconds, 2), "build_seconds": round(loaded, 2), "fixed": fixed}


def _indexed_between(backend: SearchBackend, low: int, high: int | None) -> dict[int, tuple[int, bool]]:
    found: dict[int, tuple[int, bool]] = {}
    after = low
    while True:
        rows = backend.versions(after_id=after, limit=CHUNK)
        for note_id, version, public in rows:
            if high is not None and note_id > high:
                return found
            found[note_id] = (version, public)
        if len(rows) < CHUNK:
            return found
        after = rows[-1][0]


def reconcile(*, stdout=None) -> int:
    """Compare every note's (version, visibility) with its document and rewrite the ones that
    differ: notes changed while a rebuild ran, or whose update was lost (a crash between commit
    and index). Returns how many documents were rewritten or removed."""
    from notes.models import Note

    backend = get_backend()
    last, fixed = 0, 0
    while True:
        rows = list(Note.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "version", "hidden", "held")[:CHUNK])
        high = rows[-1][0] if rows else None
        indexed = _indexed_between(backend, last, high)
        expected = {pk: (version, not hidden) for pk, version, hidden, held in rows if not hidden or held}
        stale = [pk for pk, state in expected.items() if indexed.get(pk) != state]
        extra = [pk for pk in indexed if pk not in expected]
        if stale:
            index_notes(stale)
        if extra:
            backend.delete(extra)
        fixed += len(stale) + len(extra)
        if not rows:
            return fixed
        last = high


# --- Querying ------------------------------------------------------------------------------------

@dataclass
class SearchAnswer:
    """A page of results (the one ``Page`` type) with what a search adds: ``jump``, the note a
    ``#123`` query named (also first on page 1), and ``care``, the help card when the query
    contains a crisis phrase."""

    page: Page
    query: text.ParsedQuery
    jump: dict | None = None
    care: dict | None = None

    def as_dict(self) -> dict:
        return {**self.page.as_dict(), "jump": self.jump, "care": self.care}


def _date(value, field: str, errors: dict) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors[field] = [_("日期格式应为 YYYY-MM-DD。")]
        return None


def _day_start_ms(day: date) -> int:
    moment = timezone.make_aware(datetime.combine(day, dt_time.min), timezone.get_default_timezone())
    return int(moment.timestamp() * 1000)


def _may_see(note, viewer_id: int | None) -> bool:
    """Hidden, held and deleted notes are never results — except a held note, for its author."""
    return not note.hidden or (note.held and viewer_id is not None and note.author_id == viewer_id)


def is_jump(q: str) -> bool:
    """Is the whole query a ``#123``?"""
    return _HASH.fullmatch(unicodedata.normalize("NFKC", (q or "").strip())) is not None


def note_by_hash(number: int, *, viewer=None):
    """The note ``#number`` names, if the viewer may see it: by its public number (``Note.number``)
    or, for a snowflake-sized number, by its id."""
    from notes.models import Note

    viewer_id = viewer.pk if getattr(viewer, "is_authenticated", False) else None
    candidates = []
    if number <= NUMBER_MAX:
        candidates.append({"number": number})
    if number >= SNOWFLAKE_MIN:
        candidates.append({"pk": number})
    for lookup in candidates:
        note = Note.objects.filter(**lookup).only("id", "number", "hidden", "held", "author_id").first()
        if note is not None and _may_see(note, viewer_id):
            return note
    return None


def _people(parsed: text.ParsedQuery) -> dict[str, tuple[int, ...]]:
    """Group names that are usernames → those users' ids (the index knows authors by id, so a
    renamed user is found by the new name at once)."""
    from accounts.models import User

    names = parsed.names
    if not names:
        return {}
    # The ORM's `username__in` as plain SQL: on every words-mode search, and compiling the
    # queryset cost several times what the database spends answering it.
    quote = connection.ops.quote_name
    column = quote(User._meta.get_field("username").column)
    sql = (f"SELECT {quote(User._meta.pk.column)}, {column} FROM {quote(User._meta.db_table)} "
           f"WHERE {column} IN ({', '.join(['%s'] * len(names))}) "
           f"AND {quote(User._meta.get_field('deleted_at').column)} IS NULL")  # a deleted account is nobody
    found: dict[str, list[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, list(names))
        for user_id, username in cursor.fetchall():
            found.setdefault(username, []).append(int(user_id))
    return {name: tuple(ids) for name, ids in found.items()}


def _care(q: str) -> dict | None:
    from moderation.care import care_for_text

    card = care_for_text(q)
    if card is None:
        return None
    hotlines = [{"name": line["name"], "phone": line["phone"], "hours": line["hours"]} for line in card.hotlines]
    return {"title": card.title, "body": card.body, "hotlines": hotlines}  # the contract's Hotline: no more


def _results(note_ids: Sequence[int], parsed: text.ParsedQuery, *, comments: bool, viewer) -> list[dict]:
    """Note objects with snippets, in the engine's order; rows the viewer may not see (hidden a
    moment ago, before the index heard of it) are dropped."""
    from notes.selectors import _cards_from_rows, _serialize_cards, note_rows_by_id

    if not note_ids:
        return []
    viewer_id = viewer.pk if getattr(viewer, "is_authenticated", False) else None
    rows, images = note_rows_by_id(note_ids)
    notes = [rows[i] for i in note_ids if i in rows and _may_see(rows[i], viewer_id)]
    threads = documents.comment_texts([n.pk for n in notes if not n.anonymous]) if comments else {}
    serialized = _serialize_cards(_cards_from_rows(notes, images), viewer)
    results = []
    for note, body in zip(notes, serialized):
        fields = [snippets.Field("title", note.title), snippets.Field("content", note.content)]
        fields += [snippets.Field("comment", c.content, {"id": str(c.id), "floor": c.floor})
                   for c in threads.get(note.pk, [])]
        results.append({**body, "snippet": snippets.build(fields, parsed.terms)})
    return results


def _found(query: SearchQuery, *, viewer, category: str | None, page: int, size: int) -> tuple[list[int], int]:
    """The page's note ids and the total. A reader with personal filters (notes/filtering.py) gets
    the engine's answer with their muted notes taken out, read in stretches until the page is full
    (the same walk as the lists: pages stay stable, never short)."""
    from notes import filtering
    from notes.selectors import _cards_from_rows, filtered_page, note_rows_by_id

    backend = get_backend()
    reader_filters = filtering.filters_for(viewer)
    if not reader_filters.active:
        found = backend.search(query)
        return list(found.ids), found.total
    viewer_id = viewer.pk

    def fetch(offset: int, count: int):
        found = backend.search(dataclasses.replace(query, offset=offset, limit=count))
        rows, images = note_rows_by_id(found.ids)
        notes = [rows[i] for i in found.ids if i in rows and _may_see(rows[i], viewer_id)]
        return _cards_from_rows(notes, images), {}, found.total

    answer = filtered_page(fetch, reader_filters, listed_category=category, page=page, size=size,
                           serialize=lambda cards, _known: [int(card["id"]) for card in cards])
    return list(answer.results), answer.total


def note_search(
    *,
    q: str,
    mode: str = "words",
    order: str = "relevance",
    category: str | None = None,
    since=None,
    until=None,
    comments: bool = False,
    page: int = 1,
    size: int | None = None,
    viewer=None,
    gate: Callable[[], None] | None = None,
) -> SearchAnswer:
    """Search notes (see the module docstring). Bad input raises ``InvalidInput`` with every
    problem at once; an engine failure raises ``Unavailable`` (503). ``gate()`` runs once the
    input is valid and before the engine is asked (the doors pass ``load.admit``: a typo costs no
    token)."""
    from notes.models import Category
    from notes.selectors import category_check

    q = (q or "").strip()
    errors: dict[str, list[str]] = {}
    if not q:
        errors["q"] = [_("请输入要搜索的内容。")]
    elif len(q) > QUERY_MAX_CHARS:
        errors["q"] = [_("搜索内容最多 %(n)d 个字。") % {"n": QUERY_MAX_CHARS}]
    if mode not in MODES:
        errors["mode"] = [_("只能是 words 或 exact。")]
    if order not in ORDERS:
        errors["order"] = [_("只能是 relevance 或 new。")]
    since_day, until_day = _date(since, "since", errors), _date(until, "until", errors)
    if since_day and until_day and since_day > until_day:
        errors["until"] = [_("结束日期不能早于开始日期。")]
    if errors:
        raise InvalidInput(_("提交的数据有误。"), fields=errors)
    page, size = page_bounds(page, size)
    slug = category_check(category)
    category_id = Category.objects.filter(slug=slug).values_list("pk", flat=True).first() if slug else None
    if gate is not None:
        gate()

    typed = q
    jump_note, jump = None, None
    hashed = _HASH.fullmatch(unicodedata.normalize("NFKC", q))
    if hashed:
        jump_note = note_by_hash(int(hashed.group(1)), viewer=viewer)
        q = hashed.group(1)  # the rest of the page: notes that mention the number
    parsed = text.parse(q, mode)
    viewer_id = viewer.pk if getattr(viewer, "is_authenticated", False) else None
    offset = (page - 1) * size
    query = SearchQuery(
        parsed=parsed, people=_people(parsed) if mode == "words" else {}, comments=bool(comments),
        category_id=category_id,
        since_ms=_day_start_ms(since_day) if since_day else None,
        until_ms=_day_start_ms(until_day + timedelta(days=1)) if until_day else None,
        viewer_id=viewer_id, order=order, offset=offset, limit=size,
    )
    started = time.perf_counter()
    try:
        ids, total = _found(query, viewer=viewer, category=slug, page=page, size=size)
    except SearchUnavailable:
        logger.exception("Search engine failed")
        raise Unavailable(_("搜索暂时不可用，请稍后再试。")) from None
    finally:
        load.record_latency((time.perf_counter() - started) * 1000)
    if jump_note is not None:
        jump = {"id": str(jump_note.pk), "number": jump_note.number}
        if jump_note.pk in ids:
            ids.remove(jump_note.pk)
            total -= 1
        if page == 1:
            ids.insert(0, jump_note.pk)
        total += 1
    results = _results(ids, parsed, comments=bool(comments), viewer=viewer)
    return SearchAnswer(page=Page(results, page, size, total), query=parsed, jump=jump, care=_care(typed))


def rebuild_step(*, stdout=None, reconcile_only: bool = False) -> None:
    """notes' step of ``manage.py rebuild_search`` (registered under the ``rebuild_search`` hook)."""
    if reconcile_only:
        fixed = reconcile(stdout=stdout)
        if stdout is not None:
            stdout.write(f"search: {fixed} documents fixed")
        return
    rebuild(stdout=stdout)
