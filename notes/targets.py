"""Notes as a moderation target kind (registered in ``NotesConfig.ready``): reports fold, hide,
delete and approve a note through the notes services, so its rankings and card stay right."""

from __future__ import annotations

from moderation.targets import ModelTarget
from notes.services.delete import note_delete
from notes.services.moderate import note_set_folded, note_set_held, note_set_hidden


def _fold(note, *, folded, **_):
    note_set_folded(note_id=note.pk, folded=folded)


def _hide(note, **_):
    note_set_hidden(note_id=note.pk, hidden=True)


def _delete(note, *, moderator, **_):
    note_delete(note_id=note.pk, user=moderator)


def _approve(note, **_):
    note_set_held(note_id=note.pk, held=False)


NOTE_TARGET = ModelTarget(
    "note", "notes.Note", text_fields=("title", "content"), anonymous_field="anonymous", hidden_field="hidden",
    held_field="held", fold_service=_fold, hide_service=_hide, delete_service=_delete, approve_service=_approve,
    select_related=("author",),
)
