"""The notes step of ``manage.py rebuild_redis`` (registered first, in ``NotesConfig.ready``):
every note key, from the database."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from django.conf import settings

from notes.ranking import build, keys, reads
from treehole import cache, clock
from treehole.redis import get_redis

CHUNK = 500


def rebuild_notes(stdout=None) -> None:
    from notes import selectors
    from notes.models import Category, Note, Vote
    from notes.services.common import voted_ttl

    removed = delete_all_note_keys()
    names = [keys.set_name(order) for order in keys.ORDERS]
    for slug in Category.objects.values_list("slug", flat=True):
        names += [keys.set_name(order, slug) for order in keys.ORDERS]
    for name in names:
        build.rank_build(name)

    # Cards of every ranked note (kept without TTL while ranked).
    client = get_redis()
    ranked: set[int] = set()
    for name in names:
        ranked.update(int(m) for m in client.zrange(keys.set_key(name), 0, -1))
    ids = sorted(ranked)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        pipe = client.pipeline(transaction=False)
        for note_id in chunk:
            cache.lease_take(keys.lease_key(note_id), client=pipe)
        leases = dict(zip(chunk, pipe.execute()))
        cards = selectors.cards_load(chunk)
        reads.card_fill_many({note_id: cards.get(note_id) for note_id in chunk}, leases)

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
        voted_sets_write({note.pk: (voted_ttl(note), note.version, votes[note.pk]) for note in chunk})

    if stdout is not None:
        stdout.write(
            f"notes: removed {removed} keys; rebuilt {len(names)} ranking sets, {len(ids)} cards, "
            f"{len(open_notes)} voted sets."
        )


def delete_all_note_keys() -> int:
    """Delete every note key except the visits not yet written to the database."""
    client = get_redis()
    keep = {keys.pending_visits_key(), keys.flushing_visits_key()}
    removed = 0
    batch: list[str] = []
    for name in client.scan_iter(match=keys.all_keys_pattern(), count=1000):
        if name in keep:
            continue
        batch.append(name)
        if len(batch) >= CHUNK:
            removed += client.delete(*batch)
            batch = []
    if batch:
        removed += client.delete(*batch)
    return removed


def voted_sets_write(entries: Mapping[int, tuple[int, int, Mapping[int, int]]]) -> None:
    """Write complete voted sets: note id -> (ttl seconds, version, {user id: value})."""
    pipe = get_redis().pipeline(transaction=False)
    for note_id, (ttl, version, votes) in entries.items():
        if ttl <= 0:
            continue
        vk, vv = keys.voted_key(note_id), keys.votedv_key(note_id)
        pipe.delete(vk, vv)
        pipe.zadd(vk, {keys.SENTINEL: 0, **{str(user): value for user, value in votes.items() if value}})
        pipe.expire(vk, ttl)
        if votes:
            pipe.hset(vv, mapping={str(user): version for user in votes})
            pipe.expire(vv, ttl)
    pipe.execute()
