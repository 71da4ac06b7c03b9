"""Public note numbers (#1234): 1, 2, 3 … in publishing order, never handed out twice."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from notes.models import NoteSequence

SEQUENCE = "note"


def number_take() -> int:
    """The next note number, taken inside the caller's transaction (which must be the note's own:
    the sequence row stays locked until it commits, so concurrent posts get consecutive numbers in
    the order they commit, and a post that rolls back gives its number back)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_take() must run inside the note's transaction")
    # UPDATE first: it takes the row's write lock before anything reads the counter.
    if not NoteSequence.objects.filter(name=SEQUENCE).update(last=F("last") + 1):
        # The row is made by the migration; a database emptied by hand (or a test flush) lacks it.
        NoteSequence.objects.get_or_create(name=SEQUENCE, defaults={"last": _highest_number()})
        NoteSequence.objects.filter(name=SEQUENCE).update(last=F("last") + 1)
    return NoteSequence.objects.filter(name=SEQUENCE).values_list("last", flat=True).get()


def _highest_number() -> int:
    from django.db.models import Max

    from notes.models import Note

    return Note.objects.aggregate(highest=Max("number"))["highest"] or 0
