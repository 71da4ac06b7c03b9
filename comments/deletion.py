"""comments' part of an account deletion (the ``user_delete`` hook, accounts/deletion.py).

The comments stay: on an anonymous note still 洞主 or the same alias (``NoteAlias`` rows are
kept, so no floor changes its name), on a signed note shown as 已注销用户 — the threads holding
them (their replies name the author too) are dropped from Redis on commit and refilled.
"""

from __future__ import annotations

from comments import cache
from comments.models import Comment
from treehole.effects import Repair, after_commit


def user_delete_step(*, user) -> None:
    notes = set(Comment.objects.filter(author_id=user.pk, note__anonymous=False).values_list("note_id", flat=True))
    notes |= set(Comment.objects.filter(reply_to__author_id=user.pk, note__anonymous=False).values_list("note_id", flat=True))
    for note_id in sorted(notes):
        after_commit(lambda note_id=note_id: cache.thread_drop(note_id), repair=Repair(cache.thread_drop, note_id))
