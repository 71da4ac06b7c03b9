"""notes' part of an account deletion (the ``user_delete`` hook, accounts/deletion.py).

Goes: the member's follows, bookmarks and personal filters. Stays: their notes — anonymous ones
exactly as they were, signed ones shown as 已注销用户 (their cached cards are dropped on commit and
refilled from the tombstone) — and their votes and poll ballots, so every count stays what it was.
"""

from __future__ import annotations

from notes import filtering, ranking
from notes.models import Bookmark, Follow, Note, NoteFilter
from treehole.effects import Repair, after_commit
from treehole.redis import get_redis


def user_delete_step(*, user) -> None:
    Follow.objects.filter(user_id=user.pk).delete()
    Bookmark.objects.filter(user_id=user.pk).delete()
    NoteFilter.objects.filter(user_id=user.pk).delete()
    signed = list(Note.objects.filter(author_id=user.pk, anonymous=False).values_list("pk", flat=True))
    user_id = user.pk
    after_commit(lambda: filtering.filter_forget(user_id), repair=Repair(filtering.filter_forget, user_id))
    if signed:
        after_commit(lambda: cards_drop(signed), repair=Repair(cards_drop, signed))


def cards_drop(note_ids: list[int]) -> None:
    """Drop these notes' cards and leases in one round trip (a fill in flight is refused); the
    next read refills them from the database."""
    pipe = get_redis().pipeline(transaction=False)
    for note_id in note_ids:
        pipe.delete(ranking.info_key(note_id), ranking.lease_key(note_id))
    pipe.execute()
