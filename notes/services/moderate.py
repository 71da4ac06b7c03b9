from __future__ import annotations

from django.db import transaction

from notes import ranking, search
from notes.models import Note
from notes.services.common import on_commit_redis


def _set_flag(note_id: int, field: str, value: bool, *, counts: bool) -> Note:
    with transaction.atomic():
        note = Note.objects.select_for_update().select_related("category").get(pk=note_id)
        if getattr(note, field) == value:
            return note
        setattr(note, field, value)
        note.version += 1
        note.save(update_fields=[field, "version"])
        state = ranking.rank_state(note)
        on_commit_redis(note_id, lambda: ranking.note_changed(state, counts=counts))
        search.note_changed(note_id)
    return note


def note_set_hidden(*, note_id: int, hidden: bool) -> Note:
    """Hide a note from everyone but staff (or show it again): it leaves (or re-enters) every
    ranking and its card is refilled with the flag."""
    return _set_flag(note_id, "hidden", hidden, counts=True)


def note_set_held(*, note_id: int, held: bool) -> Note:
    """A moderator's verdict on held text: approving (``held=False``) publishes the note into the
    rankings; holding again takes it out."""
    with transaction.atomic():
        note = Note.objects.select_for_update().select_related("category").get(pk=note_id)
        if note.held == held and note.hidden == held:
            return note
        note.held = note.hidden = held
        note.version += 1
        note.save(update_fields=["held", "hidden", "version"])
        state = ranking.rank_state(note)
        on_commit_redis(note_id, lambda: ranking.note_changed(state, counts=True))
        search.note_changed(note_id)
    return note


def note_set_folded(*, note_id: int, folded: bool) -> Note:
    """Fold a note behind a "folded" notice (moderation, after reports) or unfold it; it stays in
    the rankings and its card is refilled with the flag."""
    return _set_flag(note_id, "folded", folded, counts=False)
