"""Published large files (StoredFile): the sweep of those nothing attached. (Notes attach a video
in ``notes.services.common.claim_video``, which marks it ``attached``.)"""

from __future__ import annotations

from datetime import timedelta

from uploads.models import StoredFile
from uploads.services.common import sweep_unattached


def stored_files_sweep_unattached(*, older_than: timedelta | None = None, batch: int = 200) -> int:
    """Published files never attached within a day (settings.UPLOAD_UNATTACHED_TTL)."""
    return sweep_unattached(StoredFile, ("file",), older_than=older_than, batch=batch)
