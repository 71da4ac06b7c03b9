from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from accounts.services import ensure_can_write
from notes import ranking
from notes.models import Note, Vote
from notes.services.common import base_score, in_vote_window, locked_note, on_commit_redis
from treehole import clock
from treehole.errors import InvalidInput

VALUES = (1, 0, -1)


@dataclass(frozen=True)
class VoteResult:
    approve: int
    against: int
    score: int
    my_vote: int


def note_vote(*, note_id: int, user, value: int) -> VoteResult:
    """Vote up (1), down (-1) or cancel (0); the same vote again changes nothing.

    One database transaction (the note row locked, so votes on a note are serialized and the
    deltas are exact) and, on commit, one Lua script that writes the *absolute* counters and score
    with the row's version (so a late callback never overwrites a newer one). Inside the vote
    window a vote moves the score; after it only approve/against change.
    """
    if isinstance(value, bool) or value not in VALUES:
        raise InvalidInput(_("提交的数据有误。"), fields={"value": [_("投票只能是 1、0 或 -1。")]})
    ensure_can_write(user)
    with transaction.atomic():
        note = locked_note(note_id, user)
        vote = Vote.objects.filter(user=user, note=note).first()
        old = vote.value if vote else 0
        if old == value:
            return VoteResult(note.approve, note.against, note.score, value)
        old_scored = vote.scored_value if vote else 0
        scored = value if in_vote_window(note) else old_scored
        note.approve += int(value == 1) - int(old == 1)
        note.against += int(value == -1) - int(old == -1)
        note.score += settings.NOTES_VOTE_WEIGHT * (scored - old_scored)
        note.version += 1
        note.save(update_fields=["approve", "against", "score", "version"])
        if vote is None:
            Vote.objects.create(user=user, note=note, value=value, scored_value=scored, updated_at=clock.now())
        elif value == 0 and scored == 0:
            vote.delete()
        else:
            vote.value, vote.scored_value, vote.updated_at = value, scored, clock.now()
            vote.save(update_fields=["value", "scored_value", "updated_at"])
        state = ranking.rank_state(note)
        approve, against = note.approve, note.against
        on_commit_redis(
            note.pk, lambda: ranking.note_voted(state, approve=approve, against=against, voter_id=user.pk, value=value)
        )
    return VoteResult(note.approve, note.against, note.score, value)


def note_recount(*, note_id: int) -> Note:
    """Recompute approve, against and score from the vote rows (Misago's "synchronize"): what
    ``rebuild_redis --recount`` runs for every note."""
    with transaction.atomic():
        note = Note.objects.select_for_update().select_related("category").get(pk=note_id)
        totals = Vote.objects.filter(note=note).aggregate(
            approve=Count("pk", filter=Q(value=1)), against=Count("pk", filter=Q(value=-1)), net=Sum("scored_value")
        )
        approve, against = totals["approve"], totals["against"]
        score = base_score(note.created_at) + settings.NOTES_VOTE_WEIGHT * (totals["net"] or 0)
        if (approve, against, score) != (note.approve, note.against, note.score):
            note.approve, note.against, note.score = approve, against, score
            note.version += 1
            note.save(update_fields=["approve", "against", "score", "version"])
            state = ranking.rank_state(note)
            on_commit_redis(
                note.pk, lambda: ranking.note_voted(state, approve=approve, against=against, voter_id=None, value=0)
            )
    return note
