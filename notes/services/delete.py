from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from notes import ranking, search
from notes.models import NoteImage, Vote
from notes.services.common import locked_note, on_commit_redis
from treehole import hooks
from treehole.effects import after_commit
from treehole.errors import Forbidden
from uploads.services import images_delete, stored_file_delete

logger = logging.getLogger(__name__)


def note_delete(*, note_id: int, user) -> None:
    """Delete a note (its author or staff) with its votes, comments (cascade), images, video and
    every Redis trace; the ``note_deleted`` hooks run on commit."""
    with transaction.atomic():
        note = locked_note(note_id, user)
        if note.author_id != user.pk and not user.is_staff:
            raise Forbidden(_("只有作者或管理员可以删除这篇帖子。"))
        state = ranking.rank_state(note)
        image_ids = list(NoteImage.objects.filter(note=note).values_list("image_id", flat=True))
        Vote.objects.filter(note=note).delete()
        video_id = note.video_id
        note.delete()
        images_delete(image_ids=image_ids)
        if video_id:
            stored_file_delete(file_id=video_id)
        on_commit_redis(note_id, lambda: ranking.note_removed(state))
        after_commit(lambda: _run_note_deleted(note_id))
        search.note_changed(note_id)


def _run_note_deleted(note_id: int) -> None:
    """Each app's cleanup for a deleted note (its comment keys, …); one failing is logged and the
    others still run (``rebuild_redis`` repairs what it left)."""
    for hook in hooks.get_hooks("note_deleted"):
        try:
            hook(note_id)
        except Exception:  # noqa: BLE001 - one app's cleanup must not break another's
            logger.exception("note_deleted hook %s failed for note %s", getattr(hook, "__name__", hook), note_id)
