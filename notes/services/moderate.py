from __future__ import annotations

from django.db import transaction

from notes import ranking
from notes.models import Note
from notes.services.common import on_commit_redis, rank_state


def note_set_hidden(*, note_id: int, hidden: bool) -> Note:
    """Hide a note from everyone but staff (or show it again): it leaves (or re-enters) every
    ranking and its card is refilled with the flag."""
    with transaction.atomic():
        note = Note.objects.select_for_update().select_related("category").get(pk=note_id)
        if note.hidden == hidden:
            return note
        note.hidden = hidden
        note.version += 1
        note.save(update_fields=["hidden", "version"])
        state = rank_state(note)
        on_commit_redis(lambda: ranking.note_changed(state, counts=True))
    return note


def note_set_folded(*, note_id: int, folded: bool) -> Note:
    """Fold a note behind a "folded" notice (moderation, after reports) or unfold it; it stays in
    the rankings and its card is refilled with the flag."""
    with transaction.atomic():
        note = Note.objects.select_for_update().select_related("category").get(pk=note_id)
        if note.folded == folded:
            return note
        note.folded = folded
        note.version += 1
        note.save(update_fields=["folded", "version"])
        state = rank_state(note)
        on_commit_redis(lambda: ranking.note_changed(state))
    return note
