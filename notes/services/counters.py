from __future__ import annotations

from django.db import transaction
from django.db.models import F

from notes import ranking
from notes.models import Note
from notes.services.common import on_commit_redis
from treehole.effects import Repair, after_commit


def note_comment_count_add(*, note_id: int, delta: int) -> int:
    """Change a note's comment count by ``delta``; call it inside the transaction that adds or
    removes the comment. The card follows on commit (absolute value and version: never counted
    twice, never overwritten by an older value). Returns the new count."""
    Note.objects.filter(pk=note_id).update(comment_count=F("comment_count") + delta, version=F("version") + 1)
    row = Note.objects.filter(pk=note_id).values("comment_count", "version").first()
    if row is None:
        return 0
    count, version = row["comment_count"], row["version"]
    on_commit_redis(note_id, lambda: ranking.note_info_incr_comments(note_id, delta, version=version, count=count))
    return count


def visits_flush() -> int:
    """Write the visits counted in Redis to the database (the periodic task runs this). The batch
    is moved aside atomically first, and removed only after the database commits; an interrupted
    flush is resumed by the next run. Returns the number of visits written."""
    batch = ranking.visits_take_batch()
    if not batch:
        return 0
    with transaction.atomic():
        for note_id, visits in sorted(batch.items()):
            Note.objects.filter(pk=note_id).update(visits=F("visits") + visits)
        after_commit(ranking.visits_batch_done, repair=Repair(ranking.visits_batch_done))
    return sum(batch.values())
