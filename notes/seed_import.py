"""notes' steps of ``manage.py import_seed``: the seed's notes (``note_basic``, written by whoever
``user_notes`` names) with their images, then its votes (``voted_note``).

- A note keeps its id and its time (read from its snowflake id, exact and timezone-free). The
  seed has no categories: every note goes to ``--category`` (default: the first category).
- Notes are imported **anonymously** (a tree hole's promise, and Treehole's default) unless
  ``--signed-notes``: the seed printed its authors' usernames, but nobody chose to sign there.
- ``urls`` is one comma-joined list of ``/upload/<uid>/<file>`` URLs: each file is read from
  ``--media`` and goes through uploads' own checks (verified, re-encoded, EXIF/GPS stripped). A
  note whose image is missing or not an image is bad as a whole — the note, its images and its
  author's follow are one transaction — so fixing the file and running again imports it.
- Votes: the seed writes "1" / "-1" and also a "0" row when someone merely opens a note; a user
  may have several rows for one note, and the newest wins (rows are read newest first). The
  counters and the hot score are then recomputed from the imported vote rows (``note_recount``),
  never copied from the seed's string counters.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

from accounts.models import User
from notes.models import Category, Note, Vote
from notes.services.importing import note_import, notes_recount, vote_import
from treehole.seedimport import (
    BadRow,
    ImportReport,
    Outcome,
    SeedImportError,
    SeedSource,
    clean,
    decode,
    identity_of,
    import_table,
    imported,
    row_identity,
    seed_id,
    skipped,
    upload_path,
)
from treehole.text import TextKind

NOTE_COLUMNS = "id, deleted_at, updated_at, identity, title, content, urls, visit"
VOTE_COLUMNS = "id, deleted_at, updated_at, user_identity, note_identity, isvoted"
VOTE_VALUES = {"1": 1, "-1": -1}


def seed_category(source: SeedSource) -> Category:
    slug = source.options.category
    category = Category.objects.filter(slug=slug).first() if slug else Category.objects.order_by("order", "id").first()
    if category is None:
        raise SeedImportError(f"There is no category {slug!r} here." if slug else "There is no category here: run `manage.py migrate` first.")
    return category


def image_urls(value) -> list[str]:
    """The seed's comma-joined image URLs (stray spaces and empty items ignored)."""
    return [url.strip() for url in decode(value, what="urls").split(",") if url.strip()]


def _image_id(path: str) -> int | None:
    """The seed names every upload after a snowflake id: keep it as the image's id."""
    stem = Path(path).stem
    return int(stem) if stem.isdigit() and 0 < int(stem) < (1 << 63) else None


def read_image(source: SeedSource, url: str) -> tuple[bytes, int | None]:
    if not source.options.media_dir:
        raise BadRow(f"has the image {url} but --media (the seed's upload folder) was not given")
    path = source.media_path(url)
    if path is None:
        raise BadRow(f"image {url!r} is not one of the seed's uploads (/upload/<user>/<file>)")
    if not os.path.isfile(path):
        raise BadRow(f"image {url} is missing from --media ({path})")
    limit = settings.TREEHOLE_LIMITS["image_bytes"]
    if os.path.getsize(path) > limit:
        raise BadRow(f"image {url} is over Treehole's limit of {limit // (1024 * 1024)} MB")
    with open(path, "rb") as handle:
        return handle.read(), _image_id(path)


def _authors(source: SeedSource, rows: list[dict]) -> dict[str, str]:
    """note identity → author identity, from ``user_notes`` (the first live row of each note)."""
    identities = [decode(row["identity"], what="identity") for row in rows]
    if not identities:
        return {}
    marks = ", ".join(["%s"] * len(identities))
    links = source.query(
        f"SELECT note_identity, author_identity FROM user_notes WHERE deleted_at IS NULL AND note_identity IN ({marks}) ORDER BY id",
        identities,
    )
    authors: dict[str, str] = {}
    for link in links:
        authors.setdefault(decode(link["note_identity"], what="note_identity"), decode(link["author_identity"], what="author_identity"))
    return authors


def import_note(row: dict, *, source: SeedSource, report: ImportReport, author_identity: str | None, category: Category):
    from uploads.services import image_files_discard, image_import

    identity = row_identity(row, Note, noun="note")
    if isinstance(identity, Outcome):
        return identity
    note_id, created_at = identity
    if not author_identity:
        raise BadRow("has no author (no user_notes row)")
    author_id = seed_id(author_identity, what="author")
    author = User.objects.filter(pk=author_id).first()
    if author is None:
        raise BadRow(f"its author {author_id} was not imported (see the bad users)")
    limits = settings.TREEHOLE_LIMITS
    title = clean(row["title"], what="title", kind=TextKind.LINE, max_length=limits["title"], required=True)
    content = clean(row["content"], what="content", max_length=limits["note_content"], required=True)
    urls = image_urls(row["urls"])
    if len(urls) > limits["images_per_note"]:
        raise BadRow(f"has {len(urls)} images, over Treehole's limit of {limits['images_per_note']}")
    files = [read_image(source, url) for url in urls]
    images = []
    try:
        for data, image_id in files:
            images.append(image_import(owner=author, data=data, image_id=image_id))
        note_import(
            note_id=note_id, author_id=author_id, category=category, title=title, content=content,
            anonymous=not source.options.signed_notes, created_at=created_at,
            updated_at=source.local_time(row.get("updated_at")) or created_at,
            visits=max(0, row["visit"] or 0), images=images,
        )
    except BaseException:
        image_files_discard(images)  # the rows roll back with the transaction; the files go here
        raise
    report.made.setdefault("image_urls", set()).update(upload_path(url) for url in urls)
    return imported()


def notes_step(source: SeedSource, report: ImportReport) -> None:
    """The ``seed_import`` hook for notes and their images."""
    from notes.services.numbers import sequence_ensure

    category = seed_category(source)
    sequence_ensure()  # outside any transaction: each note takes its number inside its own
    total = source.count("note_basic")

    def rows():
        for batch in source.batches("note_basic", NOTE_COLUMNS):
            authors = _authors(source, batch)
            for row in batch:
                row["_author"] = authors.get(decode(row["identity"], what="identity"))
                yield row

    report.run(
        "notes", rows(), lambda row: import_note(row, source=source, report=report, author_identity=row["_author"], category=category),
        total=total, row_id=identity_of,
    )


def import_vote(row: dict, *, source: SeedSource, touched: set[int]):
    if row["deleted_at"] is not None:
        return skipped("deleted in the seed")
    raw = decode(row["isvoted"], what="isvoted").strip()
    if raw == "0":
        return skipped("a view, not a vote (the seed writes 0 when a note is opened)")
    if raw not in VOTE_VALUES:
        raise BadRow(f"isvoted {raw!r} is none of 1, 0, -1")
    note_id = seed_id(row["note_identity"], what="note")
    user_id = seed_id(row["user_identity"], what="user")
    note = Note.objects.filter(pk=note_id).first()
    if note is None:
        raise BadRow(f"its note {note_id} was not imported")
    if not User.objects.filter(pk=user_id).exists():
        raise BadRow(f"its user {user_id} was not imported")
    if Vote.objects.filter(note_id=note_id, user_id=user_id).exists():
        return skipped("already imported, or an older vote of the same user")
    vote_import(note=note, user_id=user_id, value=VOTE_VALUES[raw], voted_at=source.local_time(row["updated_at"]) or note.created_at)
    touched.add(note_id)
    return imported()


def votes_step(source: SeedSource, report: ImportReport) -> None:
    """The ``seed_import`` hook for votes (after notes): newest seed rows first, then every note
    that gained a vote is recounted from its vote rows."""
    touched: set[int] = set()
    import_table(source, report, "votes", "voted_note", VOTE_COLUMNS, lambda row: import_vote(row, source=source, touched=touched),
                 row_id=lambda row: f"row {row['id']}", descending=True)
    notes_recount(note_ids=sorted(touched))
