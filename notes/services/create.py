from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from accounts.services import ensure_can_write
from notes import ranking, search
from notes.models import Note, NoteImage
from notes.serializers import card_from_note
from notes.services.common import (
    base_score,
    claim_images,
    claim_video,
    clean_fields,
    clean_warning,
    on_commit_redis,
    report_content_saved,
    screen_text_fields,
    voted_ttl,
)
from notes.services.numbers import SequenceMissing, number_take, sequence_ensure
from notes.services.poll import poll_add, poll_clean
from notes.services.relations import follow_add
from treehole import clock


def note_create(
    *,
    author,
    title: str,
    content: str,
    category: str,
    anonymous: bool = True,
    image_ids: Sequence[int] = (),
    video_id: int | None = None,
    poll: dict | None = None,
    content_warning: str = "",
) -> Note:
    """Publish a note, followed by its author, with an optional poll (``{question, options,
    multiple, closes_at}``, notes.services.poll). On commit it enters the rankings with its card
    and an empty voted set."""
    ensure_can_write(author)
    fields = clean_fields(title=title, content=content, category=category, required=True)
    fields["content_warning"] = clean_warning(content_warning)
    cleaned_poll = poll_clean(**poll) if poll is not None else None
    held = screen_text_fields(fields)
    row = {"author": author, "fields": fields, "held": held, "anonymous": anonymous, "image_ids": image_ids,
           "video_id": video_id, "poll": cleaned_poll}
    try:
        return _insert(**row)
    except SequenceMissing:
        sequence_ensure()
        return _insert(**row)


def _insert(*, author, fields: dict, held: bool, anonymous: bool, image_ids: Sequence[int], video_id: int | None,
            poll: dict | None) -> Note:
    now = clock.now()
    with transaction.atomic():
        note = Note(
            author=author, anonymous=bool(anonymous), created_at=now, updated_at=now, score=base_score(now),
            held=held, hidden=held, **fields,
        )
        images = claim_images(owner=author, image_ids=image_ids, note=None)
        if video_id is not None:
            note.video = claim_video(owner=author, video_id=video_id, note=None)
        note.number = number_take()  # last before the insert: the sequence row stays locked until commit
        note.save(force_insert=True)
        NoteImage.objects.bulk_create(
            [NoteImage(note=note, image=image, position=position) for position, image in enumerate(images)]
        )
        poll_rows = poll_add(note=note, cleaned=poll) if poll is not None else None
        report_content_saved(note, held=held)
        follow_add(user_id=author.pk, note_id=note.pk)
        card = card_from_note(note, images=images, poll=poll_rows)
        state = ranking.rank_state(note)
        ttl = voted_ttl(note)
        on_commit_redis(note.pk, lambda: ranking.note_created(state, card=card, voted_ttl=ttl))
        search.note_changed(note.pk)
    return note
