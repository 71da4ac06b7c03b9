"""Notes and votes brought in from another site (``manage.py import_seed``), ids and times kept.

Unlike ``note_create`` these publish nothing by themselves: no rate limit, no word filter (the
text was public already), no notification, no Redis write — the importer rebuilds Redis and the
search index once at the end (``rebuild_redis``, ``rebuild_search``). They run inside the
importer's one transaction per row, so a row that fails leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction

from notes.models import Category, Follow, Note, NoteImage, Vote
from notes.services.common import base_score, window_end
from notes.services.numbers import number_take
from uploads.services import images_attach


def note_import(
    *,
    note_id: int,
    author_id: int,
    category: Category,
    title: str,
    content: str,
    anonymous: bool,
    created_at: datetime,
    updated_at: datetime,
    visits: int = 0,
    images: Sequence = (),
) -> Note:
    """One note with its images (``uploads.Image`` rows already made for its author), followed by
    its author as every note is, with the next public number (so a seed imported into a new site
    is numbered in its publishing order; call ``numbers.sequence_ensure()`` before the first). The
    counters start from zero: votes and comments are imported after it and counted
    (``note_recount``, ``note_comment_count_add``)."""
    note = Note(
        id=note_id, number=number_take(), author_id=author_id, category=category, title=title, content=content, anonymous=anonymous,
        created_at=created_at, updated_at=max(updated_at, created_at), score=base_score(created_at), visits=visits,
    )
    note.save(force_insert=True)
    NoteImage.objects.bulk_create(NoteImage(note=note, image=image, position=position) for position, image in enumerate(images))
    images_attach(image_ids=[image.pk for image in images])
    Follow.objects.bulk_create(
        [Follow(user_id=author_id, note_id=note.pk, created_at=created_at, seen_at=created_at)], ignore_conflicts=True
    )
    return note


def vote_import(*, note: Note, user_id: int, value: int, voted_at: datetime) -> Vote:
    """One vote as it stood when the other site was exported. The score counts it when it was
    cast inside the vote window (the other site keeps no history: a later change is taken for a
    late vote). Run ``note_recount`` on the note afterwards."""
    if value not in (1, -1):
        raise ValueError("an imported vote is 1 or -1")
    scored = value if voted_at < window_end(note) else 0
    return Vote.objects.create(user_id=user_id, note=note, value=value, scored_value=scored, updated_at=voted_at)


def notes_recount(*, note_ids: Sequence[int]) -> None:
    """``note_recount`` of each note, one transaction each."""
    from notes.services.vote import note_recount

    for note_id in note_ids:
        with transaction.atomic():
            note_recount(note_id=note_id)
