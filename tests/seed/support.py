"""A real MariaDB database in the Go seed's schema (``schema.sql``), filled with rows in the seed's
own formats, for the ``import_seed`` tests.

The rows are what the seed's code writes (service/*.go): snowflake (sonyflake) ids as decimal
strings in ``identity`` columns, upper-case MD5+salt password hashes, counters as strings, DATETIME
columns in the server's local time (Asia/Shanghai), a note's images as one comma-joined list of
``/upload/<user identity>/<snowflake>.<ext>`` URLs with the files in the seed's upload folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from accounts.hashers import seed_digest
from treehole.seedimport import DEFAULT_SALT, SONYFLAKE_EPOCH

SCHEMA = Path(__file__).with_name("schema.sql")
SHANGHAI = ZoneInfo("Asia/Shanghai")
MACHINE_ID = 59028  # the seed's configured machine id "2345576453432980" as Go's uint16 keeps it


def sonyflake(at: datetime, sequence: int = 0) -> int:
    """The id the seed's sonyflake generator would make at ``at``."""
    units = int((at - SONYFLAKE_EPOCH).total_seconds() * 100)
    return (units << 24) | (sequence << 16) | MACHINE_ID


def seed_password(password: str) -> str:
    return seed_digest(password, DEFAULT_SALT)


def local(at: datetime) -> datetime:
    """``at`` as the seed's MySQL stores it: naive, Shanghai time."""
    return at.astimezone(SHANGHAI).replace(tzinfo=None)


def _connect(database: str | None = None):
    import MySQLdb
    from urllib.parse import urlsplit

    parts = urlsplit(os.environ["DATABASE_URL"])
    kwargs = {"host": parts.hostname or "127.0.0.1", "port": parts.port or 3306, "user": parts.username or "root",
              "charset": "utf8mb4", "autocommit": True}
    if parts.password:
        kwargs["password"] = parts.password
    if database:
        kwargs["database"] = database
    return MySQLdb.connect(**kwargs), parts


@dataclass
class SeedDatabase:
    """``create()`` makes (or remakes) the database; the insert methods write seed rows."""

    name: str
    media: Path
    base: datetime = field(default_factory=lambda: datetime(2023, 1, 15, 9, 0, tzinfo=timezone.utc))
    _sequence: int = 0

    def create(self) -> SeedDatabase:
        admin, _parts = _connect()
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{self.name}`")
            cursor.execute(f"CREATE DATABASE `{self.name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
        admin.close()
        self.connection, self.parts = _connect(self.name)
        with self.connection.cursor() as cursor:
            for statement in SCHEMA.read_text().split(";"):
                if "CREATE TABLE" in statement:  # the comments around it travel along, harmlessly
                    cursor.execute(statement)
        self.media.mkdir(parents=True, exist_ok=True)
        return self

    def drop(self) -> None:
        self.connection.close()
        admin, _parts = _connect()
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{self.name}`")
        admin.close()

    @property
    def url(self) -> str:
        parts = self.parts
        credentials = parts.username or "root"
        if parts.password:
            credentials += f":{parts.password}"
        return f"mysql://{credentials}@{parts.hostname or '127.0.0.1'}:{parts.port or 3306}/{self.name}"

    # --- rows in the seed's formats ---------------------------------------------------------

    def moment(self, minutes: float) -> datetime:
        return self.base + timedelta(minutes=minutes)

    def new_id(self, at: datetime) -> int:
        self._sequence = (self._sequence + 1) % 256
        return sonyflake(at, self._sequence)

    def execute(self, sql: str, params=()) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)

    def insert(self, table: str, **columns) -> None:
        names = ", ".join(f"`{name}`" for name in columns)
        marks = ", ".join(["%s"] * len(columns))
        self.execute(f"INSERT INTO `{table}` ({names}) VALUES ({marks})", tuple(columns.values()))

    def user(self, *, username: str, email: str, password: str | None = None, password_hash: str | None = None,
             minutes: float = 0, sex: int = 0, age: int = 18, usericon: str = "", identity=None,
             deleted: bool = False) -> int:
        at = self.moment(minutes)
        user_id = identity if identity is not None else self.new_id(at)
        self.insert(
            "user_basic", created_at=local(at), updated_at=local(at), deleted_at=local(at) if deleted else None,
            identity=str(user_id), username=username, usericon=usericon,
            password=password_hash if password_hash is not None else seed_password(password or "x"),
            email=email, age=age, sex=sex,
        )
        return user_id

    def upload(self, user_id: int, data: bytes, *, ext: str, minutes: float, kind: int = 2) -> str:
        """A file in the seed's upload folder and its image_basic row; returns its URL."""
        image_id = self.new_id(self.moment(minutes))
        folder = self.media / str(user_id)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{image_id}.{ext}").write_bytes(data)
        url = f"/upload/{user_id}/{image_id}.{ext}"
        at = local(self.moment(minutes))
        self.insert("image_basic", created_at=at, updated_at=at, identity=str(user_id), url=url, type=kind)
        return url

    def note(self, *, author: int | None, title: str, content, minutes: float, urls: str = "", visit: int = 0,
             deleted: bool = False, identity=None) -> int:
        at = self.moment(minutes)
        note_id = identity if identity is not None else self.new_id(at)
        self.insert(
            "note_basic", created_at=local(at), updated_at=local(at), deleted_at=local(at) if deleted else None,
            identity=str(note_id), title=title, content=content, urls=urls, score=int(at.timestamp()) + 2,
            approve="1", against="0", visit=visit, create_time=local(at).strftime("%Y-%m-%d %H:%M"),
        )
        if author is not None:
            self.insert("user_notes", created_at=local(at), updated_at=local(at), author_identity=str(author), note_identity=str(note_id))
            # The seed's CreateNote records the author's own up-vote with the note.
            self.vote(user=author, note=note_id, value="1", minutes=minutes)
        return note_id

    def vote(self, *, user: int, note: int, value: str, minutes: float) -> None:
        at = local(self.moment(minutes))
        self.insert("voted_note", created_at=at, updated_at=at, user_identity=str(user), note_identity=str(note), isvoted=value)

    def comment(self, *, user: int, note: int, content, minutes: float, deleted: bool = False) -> int:
        at = self.moment(minutes)
        comment_id = self.new_id(at)
        self.insert(
            "comment_note", created_at=local(at), updated_at=local(at), deleted_at=local(at) if deleted else None,
            identity=str(comment_id), user_identity=str(user), note_identity=str(note), conetent=content,
            create_time=local(at).strftime("%Y-%m-%d %H:%M"),
        )
        return comment_id

    def message(self, *, user: int, username: str, content, minutes: float) -> int:
        at = self.moment(minutes)
        message_id = self.new_id(at)
        self.insert(
            "message_basic", created_at=local(at), updated_at=local(at), identity=str(message_id),
            user_identity=str(user), username=username, usericon="", date=content,
            create_time=local(at).strftime("%Y-%m-%d %H:%M:%S"),
        )
        return message_id
