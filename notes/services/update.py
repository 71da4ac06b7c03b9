from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.services import ensure_can_write
from notes import ranking, search
from notes.models import Note, NoteImage, NoteRevision
from notes.services.common import (
    claim_images,
    claim_video,
    clean_fields,
    clean_warning,
    locked_note,
    on_commit_redis,
    report_content_saved,
    screen_text_fields,
)
from treehole import clock
from treehole.effects import after_commit
from treehole.errors import Forbidden
from uploads.services import images_release, stored_file_release

UNSET = object()


def _schedule_second_delete(note_id: int) -> None:
    from notes.tasks import note_card_delete_again

    note_card_delete_again.schedule(args=(note_id,), delay=settings.NOTES_SECOND_DELETE_SECONDS)


def note_update(
    *,
    note_id: int,
    user,
    title: str | None = None,
    content: str | None = None,
    category: str | None = None,
    image_ids: Sequence[int] | None = None,
    video_id=UNSET,
    content_warning: str | None = None,
) -> Note:
    """Edit a note (its author only); only the fields given change. A change of the title or the
    content keeps the text it replaces as a ``NoteRevision`` and sets ``edited_at`` (the note
    shows "已编辑"); the same text again is no edit. The card is deleted on commit and once more a
    few seconds later by a persisted task (the seed's delayed double delete)."""
    ensure_can_write(user)
    with transaction.atomic():
        note = locked_note(note_id, user, related=("category", "author__avatar", "video"))
        if note.author_id != user.pk:
            raise Forbidden(_("只有作者可以修改这篇帖子。"))
        fields = clean_fields(title=title, content=content, category=category, required=False)
        held = screen_text_fields(fields)
        if content_warning is not None:
            fields["content_warning"] = clean_warning(content_warning)  # not an edit of the text
        previous_category = note.category.slug
        previous_text = (note.title, note.content)
        for name, value in fields.items():
            setattr(note, name, value)
        now = clock.now()
        if (note.title, note.content) != previous_text:
            NoteRevision.objects.create(
                note=note, title=previous_text[0], content=previous_text[1],
                written_at=note.edited_at or note.created_at, edited_at=now,
            )
            note.edited_at = now
        if image_ids is not None:
            images = claim_images(owner=user, image_ids=image_ids, note=note)
            kept = {image.pk for image in images}
            removed = list(NoteImage.objects.filter(note=note).exclude(image_id__in=kept).values_list("image_id", flat=True))
            NoteImage.objects.filter(note=note).delete()
            NoteImage.objects.bulk_create(
                [NoteImage(note=note, image=image, position=position) for position, image in enumerate(images)]
            )
            images_release(image_ids=removed)
        if video_id is not UNSET:
            old_video_id = note.video_id
            note.video = claim_video(owner=user, video_id=video_id, note=note) if video_id is not None else None
            if old_video_id and old_video_id != note.video_id:
                stored_file_release(file_id=old_video_id)
        if held and not note.held:
            note.held = note.hidden = True  # out of the lists until a moderator approves it again
        note.updated_at = now
        note.version += 1
        note.save()
        if fields.keys() & {"title", "content"}:
            report_content_saved(note, held=held)
        state = ranking.rank_state(note, previous_category=previous_category)
        moved = previous_category != note.category.slug or held
        on_commit_redis(note.pk, lambda: ranking.note_changed(state, counts=moved))
        after_commit(lambda: _schedule_second_delete(note.pk))
        search.note_changed(note.pk)
    return note
