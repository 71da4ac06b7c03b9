"""The notes step of ``manage.py rebuild_redis``: every note key, from the database."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from notes import ranking
from treehole import cache, clock, rebuild
from treehole.redis import get_redis

CHUNK = 500


@rebuild.register
def rebuild_notes(stdout=None) -> None:
    from notes import selectors
    from notes.models import Category, Note, Vote
    from notes.services.common import voted_ttl

    removed = ranking.delete_all_note_keys()
    names = [ranking.set_name(order) for order in ranking.ORDERS]
    for slug in Category.objects.values_list("slug", flat=True):
        names += [ranking.set_name(order, slug) for order in ranking.ORDERS]
    for name in names:
        selectors.rank_build(name)

    # Cards of every ranked note (kept without TTL while ranked).
    client = get_redis()
    ranked: set[int] = set()
    for name in names:
        ranked.update(int(m) for m in client.zrange(ranking.set_key(name), 0, -1))
    ids = sorted(ranked)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        pipe = client.pipeline(transaction=False)
        for note_id in chunk:
            cache.lease_take(ranking.lease_key(note_id), client=pipe)
        leases = dict(zip(chunk, pipe.execute()))
        cards = selectors.cards_load(chunk)
        ranking.card_fill_many({note_id: cards.get(note_id) for note_id in chunk}, leases)

    # Voted sets of the notes still inside their vote window.
    since = clock.now() - timedelta(seconds=settings.NOTES_VOTE_WINDOW_SECONDS)
    open_notes = list(Note.objects.filter(created_at__gt=since).only("pk", "created_at", "version"))
    for start in range(0, len(open_notes), CHUNK):
        chunk = open_notes[start:start + CHUNK]
        votes: dict[int, dict[int, int]] = {note.pk: {} for note in chunk}
        for note_id, user_id, value in Vote.objects.filter(note__in=chunk).exclude(value=0).values_list(
            "note_id", "user_id", "value"
        ):
            votes[note_id][user_id] = value
        ranking.voted_sets_write({note.pk: (voted_ttl(note), note.version, votes[note.pk]) for note in chunk})

    if stdout is not None:
        stdout.write(
            f"notes: removed {removed} keys; rebuilt {len(names)} ranking sets, {len(ids)} cards, "
            f"{len(open_notes)} voted sets."
        )


