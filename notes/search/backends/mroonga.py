"""Mroonga: Groonga's full-text engine as a MariaDB storage engine (Debian's
``mariadb-plugin-mroonga``, the server's own version).

The table ``notes_search`` (created by notes' migration 0005) is a Mroonga table in storage mode,
with a FULLTEXT index over title, body and comments (``TokenBigram``: CJK text as overlapping
character pairs, ASCII runs as words; ``NormalizerAuto``: NFKC and case folding) and one over
``people`` (``TokenDelimit``: the space-separated ``a<id>``/``c<id>`` tokens).

Writes are plain SQL. Queries go to Groonga's own ``select`` through Mroonga's ``mroonga_command``
UDF: one call filters, scores (TF-IDF, title ×5), sorts, pages and counts. Through SQL the same
query cannot count without fetching every match (``SQL_CALC_FOUND_ROWS`` and ``COUNT(*)`` turn
off Mroonga's ORDER BY … LIMIT optimisation), which costs ~100 ms at 100,000 notes against 2–4 ms
(measured while choosing; docs/search.md). Mroonga writes are not transactional; the index is
written after the note's transaction commits, and ``rebuild_search`` repairs anything missed.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Callable, Iterable, Sequence

from django.db import DatabaseError, connection as default_connection

from notes.search.backends import SearchBackend, SearchQuery, SearchResult, SearchUnavailable
from notes.search.documents import Document
from notes.search.text import CJK_CHAR

logger = logging.getLogger(__name__)

TABLE = "notes_search"
BUILD_TABLE = "notes_search_build"
OLD_TABLE = "notes_search_old"
COLUMNS = ("id", "category_id", "author_id", "public", "created_at", "version", "title", "body", "comments", "people")
# The live table's definition (the same as migration 0005 creates; a test keeps them equal).
TABLE_BODY = """(
  `id` bigint(20) NOT NULL,
  `category_id` int(11) NOT NULL,
  `author_id` bigint(20) NOT NULL,
  `public` tinyint(4) NOT NULL,
  `created_at` bigint(20) NOT NULL,
  `version` bigint(20) NOT NULL,
  `title` text NOT NULL,
  `body` mediumtext NOT NULL,
  `comments` mediumtext NOT NULL,
  `people` text NOT NULL,
  PRIMARY KEY (`id`){indexes}
) ENGINE=Mroonga DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"""
INDEXES = (
    """FULLTEXT KEY `text` (`title`,`body`,`comments`) COMMENT 'tokenizer "TokenBigram", normalizer "NormalizerAuto"'""",
    """FULLTEXT KEY `people` (`people`) COMMENT 'tokenizer "TokenDelimit"'""",
)
TITLE_WEIGHT = 5
BATCH = 1000


def create_table_sql(name: str = TABLE, *, indexes: bool = True) -> str:
    extra = "".join(",\n  " + index for index in INDEXES) if indexes else ""
    return f"CREATE TABLE `{name}` " + TABLE_BODY.format(indexes=extra)


def _phrase(term: str) -> str:
    """A Groonga query-syntax phrase: the term, quoted, matched as a sequence of tokens."""
    return '"' + term.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _argument(value: str) -> str:
    """A Groonga command-line argument, single-quoted."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _by_prefix(term: str) -> bool:
    """A lone CJK character (``换`` of 换宿舍): TokenBigram indexes pairs, so Groonga finds it by
    prefix over every pair it starts — the costliest word a query can hold."""
    return len(term) == 1 and CJK_CHAR.match(term) is not None


def groonga_query(query: SearchQuery) -> str:
    """Every group required (Groonga's default operator is AND). Words looked up by prefix go
    last, within their group and their group after the others: Groonga reads the words in order,
    and a word read after the others only has to be checked against the notes they found rather
    than gathering every note it occurs in (same matches, same scores; 8–11 % less of the
    server's CPU for such queries at 1,000,000 notes, docs/search.md)."""
    parts = []
    for group in sorted(query.parsed.groups, key=lambda group: any(_by_prefix(term) for term in group.terms)):
        terms = sorted(group.terms, key=_by_prefix)
        text = " ".join(_phrase(term) for term in terms)
        alternatives = [f"({text})" if len(terms) > 1 else text]
        for user_id in query.people.get(group.name, ()):
            alternatives.append(f"people:@a{user_id}")
            if query.comments:
                alternatives.append(f"people:@c{user_id}")
        parts.append(alternatives[0] if len(alternatives) == 1 else "(" + " OR ".join(alternatives) + ")")
    return " ".join(parts)


def groonga_filter(query: SearchQuery) -> str:
    conditions = ["public == 1" if query.viewer_id is None else f"(public == 1 || author_id == {int(query.viewer_id)})"]
    if query.category_id is not None:
        conditions.append(f"category_id == {int(query.category_id)}")
    if query.since_ms is not None:
        conditions.append(f"created_at >= {int(query.since_ms)}")
    if query.until_ms is not None:
        conditions.append(f"created_at < {int(query.until_ms)}")
    return " && ".join(conditions)


def cache_partition(database: str) -> str:
    """A negative ``match_escalation_threshold`` of the database's own (any negative value means
    "never escalate"). Groonga's query cache is one per server process, keyed by the command's
    text and not by the database: the same select on two databases of one server (test runs side by
    side, a bench beside the site, staging beside production) answered with the other database's
    ids — measured on MariaDB 10.11's Mroonga 7.07, and ``--cache no`` still reads the cache. The
    threshold is part of the key, so each database's entries stay its own."""
    return str(-1 - zlib.crc32(database.encode()) % 1_000_000_000)


def select_command(query: SearchQuery, table: str = TABLE, *, database: str = "") -> str:
    columns = [f"scorer_tf_idf(title) * {TITLE_WEIGHT}", "scorer_tf_idf(body)"]
    if query.comments:
        columns.append("scorer_tf_idf(comments)")
    sort = "-_score,-created_at,-id" if query.order == "relevance" else "-created_at,-id"
    arguments = {
        "match_columns": " || ".join(columns),
        "query": groonga_query(query),
        "filter": groonga_filter(query),
        "sort_keys": sort,
        "output_columns": "id",
        "offset": str(int(query.offset)),
        "limit": str(int(query.limit)),
        # Never widen a query that found nothing into a fuzzier one: "every word must match".
        "match_escalation_threshold": cache_partition(database),
    }
    return f"select {table} " + " ".join(f"--{name} {_argument(value)}" for name, value in arguments.items())


class MroongaBackend(SearchBackend):
    name = "mroonga"

    def __init__(self, connection=None):
        self.connection = connection or default_connection

    # --- writes -----------------------------------------------------------------------------

    def _insert(self, table: str, documents: Sequence[Document], *, ignore: bool = False) -> None:
        if not documents:
            return
        placeholders = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
        names = ", ".join(f"`{c}`" for c in COLUMNS)
        params: list = []
        for doc in documents:
            params += [doc.id, doc.category_id, doc.author_id, int(doc.public), doc.created_ms, doc.version,
                       doc.title, doc.body, doc.comments, doc.people]
        sql = f"INSERT {'IGNORE ' if ignore else ''}INTO `{table}` ({names}) VALUES " + ", ".join([placeholders] * len(documents))
        if not ignore:
            # Apply a document only when it is at least as new as the one indexed (writes after
            # commit can arrive out of order); `version` is assigned last, after the comparisons.
            newer = "VALUES(`version`) >= `version`"
            sets = [f"`{c}` = IF({newer}, VALUES(`{c}`), `{c}`)" for c in COLUMNS if c not in ("id", "version")]
            sets.append(f"`version` = IF({newer}, VALUES(`version`), `version`)")
            sql += " ON DUPLICATE KEY UPDATE " + ", ".join(sets)
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)

    def upsert(self, documents: Sequence[Document]) -> None:
        for start in range(0, len(documents), BATCH):
            self._insert(TABLE, documents[start:start + BATCH])

    def delete(self, note_ids: Iterable[int]) -> None:
        ids = [int(i) for i in note_ids]
        if not ids:
            return
        with self.connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM `{TABLE}` WHERE id IN ({', '.join(['%s'] * len(ids))})", ids)

    def clear(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM `{TABLE}`")

    # --- reads ------------------------------------------------------------------------------

    def _command(self, command: str):
        try:
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT mroonga_command(%s)", [command])
                (raw,) = cursor.fetchone()
        except DatabaseError as exc:
            raise SearchUnavailable(f"Mroonga failed: {exc}") from exc
        if raw is None:
            raise SearchUnavailable("Mroonga answered nothing (see the server's groonga.log)")
        return json.loads(raw)

    def search(self, query: SearchQuery) -> SearchResult:
        if query.parsed.empty:
            return SearchResult([], 0)
        answer = self._command(select_command(query, database=self.connection.settings_dict["NAME"]))
        body = answer[0]
        total = int(body[0][0])
        return SearchResult([int(row[0]) for row in body[2:]], total)

    def versions(self, *, after_id: int, limit: int) -> list[tuple[int, int, bool]]:
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT id, version, public FROM `{TABLE}` WHERE id > %s ORDER BY id LIMIT %s",
                           [after_id, limit])
            return [(int(a), int(b), bool(c)) for a, b, c in cursor.fetchall()]

    def stats(self) -> dict:
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM `{TABLE}`")
            (count,) = cursor.fetchone()
        size = None
        try:
            answer = self._command(f"object_inspect {TABLE}")
            size = int(answer.get("disk_usage") or 0) or None
            for index in ("text", "people"):
                inspected = self._command(f"object_inspect {TABLE}#{index}")
                size = (size or 0) + int(inspected.get("disk_usage") or 0)
        except (SearchUnavailable, AttributeError, TypeError, ValueError):
            size = None
        return {"documents": int(count), "bytes": size}

    # --- rebuild ----------------------------------------------------------------------------

    def rebuild(self, batches, progress: Callable[[int], None]) -> None:
        """Load every document into a table without indexes, build both FULLTEXT indexes in one
        pass (Groonga's offline index construction: several times faster than indexing row by
        row), then swap it in with one atomic RENAME. Notes changed meanwhile are put right by the
        reconciliation that ``notes.search.rebuild`` runs next."""
        with self.connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS `{BUILD_TABLE}`")
            cursor.execute(create_table_sql(BUILD_TABLE, indexes=False))
        done = 0
        for batch in batches:
            for start in range(0, len(batch), BATCH):
                self._insert(BUILD_TABLE, batch[start:start + BATCH], ignore=True)
            done += len(batch)
            progress(done)
        with self.connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE `{BUILD_TABLE}` " + ", ".join(f"ADD {index}" for index in INDEXES))
            cursor.execute(f"DROP TABLE IF EXISTS `{OLD_TABLE}`")
            cursor.execute(f"RENAME TABLE `{TABLE}` TO `{OLD_TABLE}`, `{BUILD_TABLE}` TO `{TABLE}`")
            cursor.execute(f"DROP TABLE `{OLD_TABLE}`")
