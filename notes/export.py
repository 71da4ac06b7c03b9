"""notes' part of a member's data export (accounts/export.py): their notes — anonymous ones too,
they are their own — with image URLs, and their votes, bookmarks and follows (note ids only:
whose notes those are is not theirs to take away)."""

from __future__ import annotations

from collections.abc import Iterator

from notes.models import Bookmark, Follow, Note, NoteImage, Vote
from treehole.streaming import keyset, keyset_batches


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


NOTE_FIELDS = (
    "id", "title", "content", "category__slug", "anonymous", "approve", "against", "visits", "comment_count",
    "hidden", "folded", "held", "created_at", "updated_at", "video__file",
)


def _notes(user) -> Iterator[dict]:
    from django.core.files.storage import default_storage

    for rows in keyset_batches(Note.objects.filter(author_id=user.pk).values(*NOTE_FIELDS)):
        images: dict[int, list[str]] = {}
        links = (
            NoteImage.objects.filter(note_id__in=[row["id"] for row in rows])
            .order_by("note_id", "position")
            .values_list("note_id", "image__file")
        )
        for note_id, name in links:
            images.setdefault(note_id, []).append(default_storage.url(name))
        for row in rows:
            yield {
                "id": str(row["id"]),
                "title": row["title"],
                "content": row["content"],
                "category": row["category__slug"],
                "anonymous": row["anonymous"],
                "images": images.get(row["id"], []),
                "video": default_storage.url(row["video__file"]) if row["video__file"] else None,
                "approve": row["approve"],
                "against": row["against"],
                "visits": row["visits"],
                "comment_count": row["comment_count"],
                "hidden": row["hidden"],
                "folded": row["folded"],
                "pending_review": row["held"],
                "created_at": _iso(row["created_at"]),
                "updated_at": _iso(row["updated_at"]),
            }


def _votes(user) -> Iterator[dict]:
    for row in keyset(Vote.objects.filter(user_id=user.pk).exclude(value=0).values("id", "note_id", "value", "updated_at")):
        yield {"note_id": str(row["note_id"]), "value": row["value"], "voted_at": _iso(row["updated_at"])}


def _relations(model, user) -> Iterator[dict]:
    for row in keyset(model.objects.filter(user_id=user.pk).values("id", "note_id", "created_at")):
        yield {"note_id": str(row["note_id"]), "created_at": _iso(row["created_at"])}


def export_sections(user) -> list:
    """The ``user_export`` hook."""
    return [
        ("notes", lambda: _notes(user)),
        ("votes", lambda: _votes(user)),
        ("bookmarks", lambda: _relations(Bookmark, user)),
        ("follows", lambda: _relations(Follow, user)),
    ]
