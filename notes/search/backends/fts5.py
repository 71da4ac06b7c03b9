"""SQLite FTS5: the embedded mode's engine (``make run``: no server to install).

``notes_search`` is an FTS5 table (title, body, comments, people; ``unicode61`` tokenizer, rowid
= note id) beside ``notes_search_meta``, a plain table of the columns search filters on. The
unicode61 tokenizer would keep a run of Chinese as one token, so the text is stored with each CJK
character as its own token (``text.split_cjk``) and a word is a phrase of characters: ``考研`` is
``"考 研"``, found wherever those two characters stand side by side. Ranking is FTS5's BM25 (title
×5). Created by notes' migration 0005 on SQLite; :func:`install` creates it in any SQLite database
(the tests use it on a database of their own).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from collections.abc import Callable, Iterable, Sequence

from notes.search.backends import SearchBackend, SearchQuery, SearchResult, SearchUnavailable
from notes.search.documents import Document
from notes.search.text import split_cjk

TABLE = "notes_search"
META = "notes_search_meta"
DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(title, body, comments, people, "
    "tokenize = 'unicode61 remove_diacritics 2')",
    f"CREATE TABLE IF NOT EXISTS {META} (id INTEGER PRIMARY KEY, category_id INTEGER NOT NULL, "
    "author_id INTEGER NOT NULL, public INTEGER NOT NULL, created_at INTEGER NOT NULL, version INTEGER NOT NULL)",
    f"CREATE INDEX IF NOT EXISTS {META}_created ON {META} (created_at)",
)
WEIGHTS = "5.0, 1.0, 1.0, 1.0"  # bm25 weights of title, body, comments, people


_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def tokens(normalized: str) -> str:
    """Text as unicode61 should see it: each CJK character a token, and letters apart from digits
    (``iphone15`` is ``iphone 15``), as Mroonga's bigram tokenizer splits them."""
    return _LETTER_DIGIT.sub(" ", split_cjk(normalized))


def install(raw: sqlite3.Connection) -> None:
    for statement in DDL:
        raw.execute(statement)


def _phrase(term: str) -> str:
    return '"' + " ".join(tokens(term).split()).replace('"', '""') + '"'


def match_expression(query: SearchQuery) -> str:
    columns = "{title body comments}" if query.comments else "{title body}"
    parts = []
    for group in query.parsed.groups:
        text = " AND ".join(_phrase(term) for term in group.terms)
        alternatives = [f"{columns} : ({text})"]
        for user_id in query.people.get(group.name, ()):
            alternatives.append(f'people : "a{int(user_id)}"')
            if query.comments:
                alternatives.append(f'people : "c{int(user_id)}"')
        parts.append("(" + " OR ".join(alternatives) + ")")
    return " AND ".join(parts)


class Fts5Backend(SearchBackend):
    name = "fts5"

    def __init__(self, connection=None, raw: sqlite3.Connection | None = None):
        """``connection``: a Django SQLite connection (the default one when neither is given), or
        ``raw``: a ``sqlite3`` connection of one's own."""
        self._raw = raw
        if raw is None:
            from django.db import connection as default_connection

            self.connection = connection or default_connection

    @property
    def raw(self) -> sqlite3.Connection:
        if self._raw is not None:
            return self._raw
        self.connection.ensure_connection()
        return self.connection.connection

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One transaction (or, inside a caller's, part of it)."""
        raw = self.raw
        if raw.in_transaction:
            yield raw
            return
        raw.execute("BEGIN")
        try:
            yield raw
        except BaseException:
            raw.execute("ROLLBACK")
            raise
        raw.execute("COMMIT")

    def _execute(self, sql: str, params=()):
        try:
            return self.raw.execute(sql, params)
        except sqlite3.Error as exc:
            raise SearchUnavailable(f"FTS5 failed: {exc}") from exc

    def _write(self, documents: Sequence[Document], *, only_newer: bool = True) -> None:
        raw = self.raw
        for doc in documents:
            if only_newer:
                row = raw.execute(f"SELECT version FROM {META} WHERE id = ?", (doc.id,)).fetchone()
                if row is not None and row[0] > doc.version:
                    continue
            raw.execute(f"DELETE FROM {TABLE} WHERE rowid = ?", (doc.id,))
            raw.execute(f"INSERT INTO {TABLE} (rowid, title, body, comments, people) VALUES (?, ?, ?, ?, ?)",
                        (doc.id, tokens(doc.title), tokens(doc.body), tokens(doc.comments), doc.people))
            raw.execute(f"INSERT OR REPLACE INTO {META} (id, category_id, author_id, public, created_at, version) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (doc.id, doc.category_id, doc.author_id, int(doc.public), doc.created_ms, doc.version))

    def upsert(self, documents: Sequence[Document]) -> None:
        with self._transaction():
            self._write(documents)

    def delete(self, note_ids: Iterable[int]) -> None:
        with self._transaction() as raw:
            for note_id in note_ids:
                raw.execute(f"DELETE FROM {TABLE} WHERE rowid = ?", (int(note_id),))
                raw.execute(f"DELETE FROM {META} WHERE id = ?", (int(note_id),))

    def clear(self) -> None:
        with self._transaction() as raw:
            raw.execute(f"DELETE FROM {TABLE}")
            raw.execute(f"DELETE FROM {META}")

    def search(self, query: SearchQuery) -> SearchResult:
        if query.parsed.empty:
            return SearchResult([], 0)
        where = [f"{TABLE} MATCH ?"]
        params: list = [match_expression(query)]
        if query.viewer_id is None:
            where.append("m.public = 1")
        else:
            where.append("(m.public = 1 OR m.author_id = ?)")
            params.append(int(query.viewer_id))
        if query.category_id is not None:
            where.append("m.category_id = ?")
            params.append(int(query.category_id))
        if query.since_ms is not None:
            where.append("m.created_at >= ?")
            params.append(int(query.since_ms))
        if query.until_ms is not None:
            where.append("m.created_at < ?")
            params.append(int(query.until_ms))
        joined = f"FROM {TABLE} JOIN {META} m ON m.id = {TABLE}.rowid WHERE " + " AND ".join(where)
        order = (f"bm25({TABLE}, {WEIGHTS}), m.created_at DESC, m.id DESC" if query.order == "relevance"
                 else "m.created_at DESC, m.id DESC")
        total = self._execute(f"SELECT COUNT(*) {joined}", params).fetchone()[0]
        rows = self._execute(f"SELECT m.id {joined} ORDER BY {order} LIMIT ? OFFSET ?",
                             [*params, int(query.limit), int(query.offset)]).fetchall()
        return SearchResult([int(row[0]) for row in rows], int(total))

    def versions(self, *, after_id: int, limit: int) -> list[tuple[int, int, bool]]:
        rows = self._execute(f"SELECT id, version, public FROM {META} WHERE id > ? ORDER BY id LIMIT ?", (after_id, limit))
        return [(int(a), int(b), bool(c)) for a, b, c in rows.fetchall()]

    def stats(self) -> dict:
        count = self._execute(f"SELECT COUNT(*) FROM {META}").fetchone()[0]
        try:
            size = self._execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE ?", (f"{TABLE}%",)).fetchone()[0]
        except SearchUnavailable:  # SQLite built without the dbstat table
            size = None
        return {"documents": int(count), "bytes": size}

    def rebuild(self, batches, progress: Callable[[int], None]) -> None:
        """One transaction: readers keep seeing the old index until it commits."""
        done = 0
        with self._transaction() as raw:
            raw.execute(f"DELETE FROM {TABLE}")
            raw.execute(f"DELETE FROM {META}")
            for batch in batches:
                self._write(batch, only_newer=False)
                done += len(batch)
                progress(done)
