"""The engines behind ``notes.search``: one interface, one class per engine.

A backend stores :class:`~notes.search.documents.Document` objects and answers a
:class:`SearchQuery` with the matching note ids in order and their total. Everything else —
parsing, who may see what, snippets, the Note objects — stays in ``notes.search``, so pointing a
deployment at another engine (OpenSearch/Elasticsearch, see docs/search.md) means writing one
class with these methods and naming it in ``SEARCH_BACKEND``.

- ``mroonga``: Mroonga (Groonga) inside MariaDB — the real mode.
- ``fts5``: SQLite's FTS5 — the embedded mode.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.module_loading import import_string

from notes.search.documents import Document
from notes.search.text import ParsedQuery


class SearchUnavailable(Exception):
    """The engine could not answer (not installed, or failing): the caller answers 503."""


@dataclass(frozen=True)
class SearchQuery:
    parsed: ParsedQuery
    people: dict[str, tuple[int, ...]] = field(default_factory=dict)  # group name -> user ids of that username
    comments: bool = False
    category_id: int | None = None
    since_ms: int | None = None  # created_at >= since_ms
    until_ms: int | None = None  # created_at < until_ms
    viewer_id: int | None = None  # also finds this user's own held notes
    order: str = "relevance"  # or "new"
    offset: int = 0
    limit: int = 20


@dataclass(frozen=True)
class SearchResult:
    ids: list[int]
    total: int


class SearchBackend:
    """The interface (every method is required)."""

    name = "base"

    def upsert(self, documents: Sequence[Document]) -> None:
        """Insert or replace these documents; an older ``version`` never replaces a newer one."""
        raise NotImplementedError

    def delete(self, note_ids: Iterable[int]) -> None:
        raise NotImplementedError

    def search(self, query: SearchQuery) -> SearchResult:
        raise NotImplementedError

    def versions(self, *, after_id: int, limit: int) -> list[tuple[int, int, bool]]:
        """``(note id, version, public)`` of the indexed documents with ids above ``after_id``, by
        id (what the reconciliation compares with the database)."""
        raise NotImplementedError

    def rebuild(self, batches: Iterable[Sequence[Document]], progress: Callable[[int], None]) -> None:
        """Replace the whole index with these documents. Searches keep answering from the old
        index until the new one is complete."""
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError

    def stats(self) -> dict:
        """``{"documents": n, "bytes": size on disk or None}``."""
        raise NotImplementedError


BACKENDS = {
    "mroonga": "notes.search.backends.mroonga.MroongaBackend",
    "fts5": "notes.search.backends.fts5.Fts5Backend",
}


def backend_class(name: str) -> type[SearchBackend]:
    """``mroonga``, ``fts5``, or the dotted path of a class implementing :class:`SearchBackend`."""
    return import_string(BACKENDS.get(name, name))


def default_name(vendor: str) -> str:
    return "fts5" if vendor == "sqlite" else "mroonga"
