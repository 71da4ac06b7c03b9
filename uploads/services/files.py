"""Published large files (StoredFile): what notes attach, and the sweep of those never attached."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from treehole.errors import InvalidInput
from uploads.models import StoredFile
from uploads.services.common import storage_delete_on_commit


def stored_file_claim(*, owner, file_id: int, field: str = "video_id") -> StoredFile:
    """The caller's own published file, marked attached (so the sweeper keeps it). Call inside
    the transaction that attaches it; someone else's or an unknown id is a validation error on
    ``field``."""
    stored = StoredFile.objects.select_for_update().filter(pk=file_id, owner=owner).first()
    if stored is None:
        raise InvalidInput(fields={field: [_("找不到文件，或文件不是你上传的。")]})
    if not stored.attached:
        StoredFile.objects.filter(pk=stored.pk).update(attached=True)
        stored.attached = True
    return stored


def stored_files_sweep_unattached(*, older_than: timedelta | None = None, batch: int = 200) -> int:
    """Delete published files never attached within ``older_than`` (default
    settings.UPLOAD_UNATTACHED_TTL): rows first, stored objects once that commits."""
    cutoff = timezone.now() - (older_than if older_than is not None else settings.UPLOAD_UNATTACHED_TTL)
    removed = 0
    while True:
        with transaction.atomic():
            rows = list(
                StoredFile.objects.select_for_update(skip_locked=True)
                .filter(attached=False, created_at__lt=cutoff)
                .values_list("pk", "file")[:batch]
            )
            if not rows:
                return removed
            StoredFile.objects.filter(pk__in=[pk for pk, _name in rows]).delete()
            storage_delete_on_commit([name for _pk, name in rows])
        removed += len(rows)
        if len(rows) < batch:
            return removed
