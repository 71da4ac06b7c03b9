"""Public note numbers (#1234): 1, 2, 3 … in publishing order, never handed out twice."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Max

from notes.models import Note, NoteSequence

SEQUENCE = "note"


class SequenceMissing(Exception):
    """The sequence row is gone (a database emptied by hand, a test's flush): run
    ``sequence_ensure()`` outside any transaction, then the whole write again."""


def number_take() -> int:
    """The next note number, taken inside the caller's transaction (which must be the note's own:
    the sequence row stays locked until it commits, so concurrent posts get consecutive numbers in
    the order they commit, and a post that rolls back gives its number back)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_take() must run inside the note's transaction")
    # UPDATE first: it takes the row's write lock before anything reads the counter.
    if not NoteSequence.objects.filter(name=SEQUENCE).update(last=F("last") + 1):
        # Creating the row here would race other writers inside their transactions (gap locks,
        # then a deadlock): the caller rolls back, makes it in autocommit and tries again.
        raise SequenceMissing
    return NoteSequence.objects.filter(name=SEQUENCE).values_list("last", flat=True).get()


def sequence_ensure() -> None:
    """Make the sequence row (the migration does; this is for a database emptied since), starting
    after the highest number in use. Call it outside a transaction."""
    highest = Note.objects.aggregate(highest=Max("number"))["highest"] or 0
    NoteSequence.objects.get_or_create(name=SEQUENCE, defaults={"last": highest})
