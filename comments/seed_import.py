"""comments' step of ``manage.py import_seed``: the seed's ``comment_note`` rows, oldest first, so
each note's floors 1, 2, 3 … follow the order they were written in. The seed kept no floors and no
replies; a commenter on an anonymous note gets their alias (Alice, Bob, …) in that order too."""

from __future__ import annotations

from django.conf import settings

from accounts.models import User
from comments.models import Comment
from comments.services import comment_import
from notes.models import Note
from treehole.seedimport import BadRow, ImportReport, Outcome, SeedSource, clean, import_table, imported, row_identity, seed_id

COLUMNS = "id, deleted_at, identity, user_identity, note_identity, conetent"  # sic: the seed's column


def import_comment(row: dict):
    identity = row_identity(row, Comment, noun="comment")
    if isinstance(identity, Outcome):
        return identity
    comment_id, created_at = identity
    note_id = seed_id(row["note_identity"], what="note")
    user_id = seed_id(row["user_identity"], what="user")
    if not Note.objects.filter(pk=note_id).exists():
        raise BadRow(f"its note {note_id} was not imported (or never existed)")
    if not User.objects.filter(pk=user_id).exists():
        raise BadRow(f"its author {user_id} was not imported")
    content = clean(row["conetent"], what="content", max_length=settings.TREEHOLE_LIMITS["comment_content"], required=True)
    comment_import(comment_id=comment_id, note_id=note_id, author_id=user_id, content=content, created_at=created_at)
    return imported()


def seed_import_step(source: SeedSource, report: ImportReport) -> None:
    """The ``seed_import`` hook for comments (after notes)."""
    import_table(source, report, "comments", "comment_note", COLUMNS, import_comment)
