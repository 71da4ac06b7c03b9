"""What every app's part of ``manage.py import_seed`` shares: the Go seed's database, its formats,
and the one way a row is imported, skipped or reported bad.

The importer reads the tables of jiangtianxia/treehole (its GORM models; ``tests/seed/schema.sql``
is the same schema) into Treehole's. It touches every app, so each app imports its own tables
from a step it registers under the ``seed_import`` hook (``step(source, report)``, in ``order``:
users, avatars, notes with their images, votes, comments, chat) and writes through its own
services; ``treehole/management/commands/import_seed.py`` runs the steps, then rebuilds Redis and
the search index. Nothing here knows an app.

Rules every step keeps, so that a run can be repeated and never leaves half a thing behind:

- **one transaction per row** (a note with its images and its author link is one row):
  ``report.run`` wraps each in ``transaction.atomic()``; a ``BadRow``, a validation error or a
  database error rolls that row back, is reported with the seed's id and the reason, and the run
  goes on with the next row;
- **ids are kept** (both projects use snowflake ids, see ``sonyflake_time``), so a row that is
  already here is recognised by its id and *skipped*: a second run changes nothing;
- **text goes through ``treehole.text``** like every other input: a lone surrogate (which MariaDB
  stores as the bytes ED A0 80 … but no Python string can encode as UTF-8), bytes that are not
  UTF-8, or text over Treehole's limits make the row bad; nothing is cut short silently;
- the seed is read in keyset batches of its own ``id`` (its AUTO_INCREMENT row number), never as
  one result set, so memory stays flat however large the seed is; rows the seed soft-deleted
  (``deleted_at`` set) are skipped.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from treehole.errors import DomainError
from treehole.text import InvalidText, TextKind, normalize_text

HOOK = "seed_import"  # step(source: SeedSource, report: ImportReport)

# The seed's ids are sonyflake ids (utils/snowflake.go): 39 bits of 10-millisecond units since its
# StartTime, 2022-02-09 (parsed by Go as UTC), then an 8-bit sequence and a 16-bit machine id.
SONYFLAKE_EPOCH = datetime(2022, 2, 9, tzinfo=timezone.utc)
SONYFLAKE_TIME_SHIFT = 8 + 16
MAX_ID = (1 << 63) - 1  # Treehole's ids are positive signed 64-bit integers

# The seed's own defaults (config/app.yml): the timezone its MySQL and app containers run in
# (every DATETIME column is local time), and the site-wide salt of its password hashes.
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_SALT = "treeholeGi0I0R1tC#%"

IMPORTED, SKIPPED = "imported", "skipped"


class SeedImportError(Exception):
    """The import cannot go on at all (no such category, the seed's tables missing)."""


class BadRow(Exception):
    """This seed row cannot be imported: ``reason`` says why (printed with the row's id)."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def sonyflake_time(snowflake: int) -> datetime:
    """When the seed made this id (to the 10 ms, in UTC, whatever timezone its server had)."""
    return SONYFLAKE_EPOCH + timedelta(milliseconds=10 * (snowflake >> SONYFLAKE_TIME_SHIFT))


def seed_id(value, *, what: str) -> int:
    """A seed identity (a decimal string) as a Treehole id; ``BadRow`` when it is not one."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    text = str(value if value is not None else "").strip()
    if not text.isdigit() or not 0 < int(text) <= MAX_ID:
        raise BadRow(f"{what} {text!r} is not a snowflake id")
    return int(text)


def row_identity(row: dict, model, *, noun: str) -> tuple[int, datetime] | Outcome:
    """A seed row's id and creation time (its sonyflake's), or the ``skipped`` outcome of a row
    deleted in the seed or already imported (same id, same time). Raises ``BadRow`` when the id
    already belongs to another ``noun`` here."""
    if row["deleted_at"] is not None:
        return skipped("deleted in the seed")
    row_id = seed_id(row["identity"], what="identity")
    created_at = sonyflake_time(row_id)
    existing = model.objects.filter(pk=row_id).values_list("created_at", flat=True).first()
    if existing is not None:
        if existing == created_at:
            return skipped("already imported")
        raise BadRow(f"id {row_id} belongs to another {noun} here")
    return row_id, created_at


def decode(value, *, what: str) -> str:
    """A text column as the seed stored it (bytes) → ``str``; lone surrogates survive decoding so
    that ``clean`` can refuse them by name."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        return value.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError as exc:
        raise BadRow(f"{what} is not UTF-8 (byte {exc.start})") from None


def clean(value, *, what: str, kind: TextKind = TextKind.PROSE, max_length: int | None = None,
          required: bool = False) -> str:
    """A seed text through Treehole's one normalisation step and its limits (a row over a limit is
    bad: nothing is cut short)."""
    text = decode(value, what=what)
    try:
        text = normalize_text(text, kind=kind).strip()
    except InvalidText:
        raise BadRow(f"{what} holds a lone surrogate (no UTF-8 encoding; Treehole refuses it)") from None
    if required and not text:
        raise BadRow(f"{what} is empty")
    if max_length is not None and len(text) > max_length:
        raise BadRow(f"{what} is {len(text)} characters, over Treehole's limit of {max_length}")
    return text


@dataclass
class SeedOptions:
    media_dir: str | None = None  # the seed's upload folder (its ./upload, served as /upload/)
    timezone: str = DEFAULT_TIMEZONE
    salt: str = DEFAULT_SALT
    signed_notes: bool = False  # import notes under their author's name instead of anonymously
    category: str | None = None  # the category slug the seed's notes go to (default: the first)


class SeedSource:
    """A read-only connection to the seed's MySQL/MariaDB database (``mysql://user:pass@host:port/db``)."""

    BATCH = 500

    def __init__(self, url: str, options: SeedOptions | None = None):
        self.url = url
        self.options = options or SeedOptions()
        self.zone = ZoneInfo(self.options.timezone)
        self._connection = None

    @staticmethod
    def connect_kwargs(url: str) -> dict:
        parts = urlsplit(url)
        if parts.scheme not in ("mysql", "mariadb") or not parts.path.strip("/"):
            raise ValueError("--from must look like mysql://user:password@host:3306/database")
        kwargs = {
            "host": parts.hostname or "127.0.0.1",
            "port": parts.port or 3306,
            "user": unquote(parts.username or "root"),
            "database": unquote(parts.path.strip("/")),
            "charset": "utf8mb4",
            # Text comes back as bytes: ``decode`` names a row whose bytes are not UTF-8 (the
            # driver would fail the whole batch instead).
            "use_unicode": False,
        }
        if parts.password:
            kwargs["password"] = unquote(parts.password)
        return kwargs

    def connection(self):
        if self._connection is None:
            import MySQLdb

            self._connection = MySQLdb.connect(**self.connect_kwargs(self.url))
            with self._connection.cursor() as cursor:
                cursor.execute("SET SESSION TRANSACTION READ ONLY")
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def query(self, sql: str, params: Iterable = ()) -> list[dict]:
        import MySQLdb.cursors

        with self.connection().cursor(MySQLdb.cursors.DictCursor) as cursor:
            cursor.execute(sql, tuple(params))
            rows = cursor.fetchall()
        return [{key.decode() if isinstance(key, bytes) else key: value for key, value in row.items()} for row in rows]

    def count(self, table: str) -> int:
        return int(self.query(f"SELECT COUNT(*) AS n FROM `{table}`")[0]["n"])

    def batches(self, table: str, columns: str = "*", *, descending: bool = False) -> Iterator[list[dict]]:
        """Every row of ``table`` (soft-deleted ones included: the step counts them), ``BATCH`` at a
        time by the seed's row number."""
        last = None
        order = "DESC" if descending else "ASC"
        while True:
            where, params = "", ()
            if last is not None:
                where, params = ("WHERE id < %s" if descending else "WHERE id > %s"), (last,)
            rows = self.query(f"SELECT {columns} FROM `{table}` {where} ORDER BY id {order} LIMIT {self.BATCH}", params)
            if not rows:
                return
            yield rows
            last = rows[-1]["id"]

    def local_time(self, value) -> datetime | None:
        """A DATETIME column (the seed's local time) as an aware datetime."""
        if not isinstance(value, datetime):
            return None
        return value.replace(tzinfo=self.zone) if value.tzinfo is None else value

    def media_path(self, url) -> str | None:
        """Where the file behind a seed URL is in ``--media``; None when it is not one of the
        seed's uploads, or would lead out of the folder."""
        import os

        relative = upload_path(url)
        if not self.options.media_dir or relative is None:
            return None
        root = os.path.realpath(self.options.media_dir)
        candidate = os.path.realpath(os.path.join(root, relative.removeprefix(UPLOAD_PREFIX)))
        if not candidate.startswith(root + os.sep):
            return None
        return candidate


UPLOAD_PREFIX = "/upload/"  # the seed saves uploads in ./upload/<user identity>/ and nginx serves it there


def upload_path(url) -> str | None:
    """``/upload/<uid>/<file>`` of a seed URL (a host may be in front of it), None for any other
    URL (an outside default icon, an empty value)."""
    path = urlsplit(decode(url, what="url").strip()).path
    if UPLOAD_PREFIX not in path:
        return None
    return UPLOAD_PREFIX + path.split(UPLOAD_PREFIX, 1)[1]


@dataclass
class KindReport:
    """Counts for one kind of row (users, notes, …) and the bad rows with their reasons."""

    name: str
    total: int = 0
    imported: int = 0
    skipped: int = 0
    bad: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # imported, but changed on the way
    skip_reasons: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str, *, reason: str | None = None) -> None:
        if outcome == IMPORTED:
            self.imported += 1
        else:
            self.skipped += 1
            if reason:
                self.skip_reasons[reason] = self.skip_reasons.get(reason, 0) + 1


@dataclass
class Outcome:
    """What a row handler answers: imported, or skipped with a reason ("already imported", …)."""

    status: str
    reason: str | None = None


def imported() -> Outcome:
    return Outcome(IMPORTED)


def skipped(reason: str) -> Outcome:
    return Outcome(SKIPPED, reason)


class ImportReport:
    """Counts, bad rows and a progress bar (on stderr) for one run of the importer."""

    BAR = 30

    def __init__(self, *, out=None, err=None, progress: bool = True):
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.progress = progress
        self.kinds: dict[str, KindReport] = {}
        # What one step made that a later step accounts for (e.g. the image URLs imported with
        # their notes, which the images step then counts): name -> set of keys.
        self.made: dict[str, set] = {}
        self._drawn_at = 0.0

    def kind(self, name: str) -> KindReport:
        return self.kinds.setdefault(name, KindReport(name))

    def _draw(self, kind: KindReport, *, done: int, final: bool = False) -> None:
        if not self.progress:
            return
        now = time.monotonic()
        if not final and now - self._drawn_at < 0.2:
            return
        self._drawn_at = now
        total = max(kind.total, done, 1)
        filled = int(self.BAR * done / total)
        bar = "#" * filled + "." * (self.BAR - filled)
        line = f"\r{kind.name:<9} [{bar}] {done}/{kind.total}  bad {kind.bad}"
        self.err.write(line + ("\n" if final else ""))
        self.err.flush()

    def run(self, name: str, rows: Iterable[dict], handle: Callable[[dict], Outcome], *, total: int,
            row_id: Callable[[dict], str]) -> KindReport:
        """Import ``rows`` one transaction each with ``handle``; report what became of each."""
        kind = self.kind(name)
        kind.total += total
        done = 0
        for row in rows:
            done += 1
            try:
                with transaction.atomic():
                    outcome = handle(row)
            except BadRow as exc:
                self.bad(kind, row_id(row), exc.reason)
            except DomainError as exc:
                fields = "; ".join(f"{name}: {' '.join(map(str, messages))}" for name, messages in (exc.fields or {}).items())
                self.bad(kind, row_id(row), fields or str(exc.message))
            except ValidationError as exc:
                self.bad(kind, row_id(row), "; ".join(exc.messages))
            except DatabaseError as exc:
                self.bad(kind, row_id(row), f"database refused it: {exc}")
            else:
                kind.add(outcome.status, reason=outcome.reason)
            self._draw(kind, done=done)
        self._draw(kind, done=done, final=True)
        return kind

    def bad(self, kind: KindReport, row: str, reason: str) -> None:
        kind.bad += 1
        kind.problems.append((row, reason))
        if self.progress:
            self.err.write("\n")
        self.err.write(f"bad {self._singular(kind)} {row}: {reason}\n")

    def note(self, kind: KindReport, row: str, text: str) -> None:
        """A row imported with a change the operator should know of (a username Treehole refuses)."""
        kind.notes.append((row, text))
        if self.progress:
            self.err.write("\n")
        self.err.write(f"note: {self._singular(kind)} {row}: {text}\n")

    @staticmethod
    def _singular(kind: KindReport) -> str:
        return kind.name[:-1] if kind.name.endswith("s") else kind.name

    def summary(self) -> str:
        lines = [f"{'':<10}{'seed rows':>10}{'imported':>10}{'skipped':>10}{'bad':>6}"]
        for kind in self.kinds.values():
            lines.append(f"{kind.name:<10}{kind.total:>10}{kind.imported:>10}{kind.skipped:>10}{kind.bad:>6}")
            for reason, count in sorted(kind.skip_reasons.items()):
                lines.append(f"{'':<12}skipped {count}: {reason}")
            if kind.notes:
                lines.append(f"{'':<12}changed on the way in: {len(kind.notes)} (see the notes above)")
        return "\n".join(lines)

    @property
    def bad_total(self) -> int:
        return sum(kind.bad for kind in self.kinds.values())


def identity_of(row: dict) -> str:
    """How a row is named in the report: its seed identity, else its row number."""
    return decode(row["identity"], what="identity") or f"row {row['id']}"


def import_table(source: SeedSource, report: ImportReport, kind: str, table: str, columns: str, import_row,
                 *, row_id=identity_of, descending: bool = False) -> None:
    """Every row of ``table`` through ``import_row(row) -> Outcome``, each in its own transaction,
    counted in ``report`` under ``kind``."""
    total = source.count(table)
    rows = (row for batch in source.batches(table, columns, descending=descending) for row in batch)
    report.run(kind, rows, import_row, total=total, row_id=row_id)

