"""comments' part of a member's data export (accounts/export.py): every comment they wrote, on
which note and floor; a reply names the floor it answered, never who wrote that floor."""

from __future__ import annotations

from collections.abc import Iterator

from comments.models import Comment
from treehole.streaming import keyset

FIELDS = ("id", "note_id", "floor", "content", "reply_to_id", "reply_to__floor", "deleted", "folded", "held", "created_at")


def _comments(user) -> Iterator[dict]:
    for row in keyset(Comment.objects.filter(author_id=user.pk).values(*FIELDS)):
        yield {
            "id": str(row["id"]),
            "note_id": str(row["note_id"]),
            "floor": row["floor"],
            "content": row["content"],
            "reply_to": {"id": str(row["reply_to_id"]), "floor": row["reply_to__floor"]} if row["reply_to_id"] else None,
            "deleted": row["deleted"],
            "folded": row["folded"],
            "pending_review": row["held"],
            "created_at": row["created_at"].isoformat(),
        }


def export_sections(user) -> list:
    """The ``user_export`` hook."""
    return [("comments", lambda: _comments(user))]
