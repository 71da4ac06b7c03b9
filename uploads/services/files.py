"""Published large files (StoredFile): a note's video claimed, released and deleted, and the sweep
of those nothing attached."""

from __future__ import annotations

from datetime import timedelta

from collections.abc import Callable

from django.utils.translation import gettext as _

from treehole.errors import InvalidInput
from uploads.models import StoredFile
from uploads.services.common import rows_delete, rows_set_attached, sweep_unattached


def stored_files_sweep_unattached(*, older_than: timedelta | None = None, batch: int = 200) -> int:
    """Published files never attached within a day (settings.UPLOAD_UNATTACHED_TTL)."""
    return sweep_unattached(StoredFile, ("file",), older_than=older_than, batch=batch)


def video_claim(*, owner, file_id: int, in_use: Callable[[], bool]) -> StoredFile:
    """The caller's own published video, marked attached. ``in_use()`` tells whether another
    note already shows it (the caller's rows); call inside the attaching transaction."""
    stored = StoredFile.objects.select_for_update().filter(pk=file_id, owner=owner).first()
    problem = None
    if stored is None:
        problem = _("找不到视频，或视频不是你上传的。")
    elif not stored.content_type.startswith("video/"):
        problem = _("只能附加视频文件。")
    elif in_use():
        problem = _("视频已经用在别的帖子里了。")
    if problem:
        raise InvalidInput(_("提交的数据有误。"), fields={"video_id": [problem]})
    if not stored.attached:
        rows_set_attached(StoredFile, [stored.pk], attached=True)
        stored.attached = True
    return stored


def stored_file_release(*, file_id: int) -> None:
    """No longer shown: the sweeper deletes it like any unattached upload."""
    rows_set_attached(StoredFile, [file_id], attached=False)


def stored_file_delete(*, file_id: int) -> None:
    """Delete the row now and the file once the transaction commits."""
    rows_delete(StoredFile, [file_id], ("file",))
