"""Pieces every upload service shares."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction

from treehole import clock
from treehole.effects import after_commit
from treehole.errors import Unauthenticated

logger = logging.getLogger(__name__)


def uploader_check(owner) -> None:
    """Only a signed-in member who is not banned may upload (every door: API and pages)."""
    from accounts.services import ensure_can_write

    if owner is None or not getattr(owner, "is_authenticated", False):
        raise Unauthenticated()
    ensure_can_write(owner)


def storage_delete(names) -> None:
    """Remove stored files, logging (not raising) a failure: the row is already gone, and a
    left-over object is only wasted space, never a dangling reference."""
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
        except Exception:  # noqa: BLE001 - storage backends raise anything (OSError, botocore)
            logger.exception("Could not delete stored file %s", name)


def storage_delete_on_commit(names) -> None:
    names = list(names)
    after_commit(lambda: storage_delete(names))


def rows_set_attached(model, ids, *, attached: bool) -> None:
    """Mark rows attached (kept by the sweeper) or released (swept like any unattached upload)."""
    ids = list(ids)
    if ids:
        model.objects.filter(pk__in=ids).update(attached=attached)


def rows_delete(model, ids, file_fields: tuple[str, ...]) -> None:
    """Delete rows now and their stored files once the transaction commits."""
    ids = list(ids)
    if not ids:
        return
    names = [name for row in model.objects.filter(pk__in=ids).values_list(*file_fields) for name in row]
    model.objects.filter(pk__in=ids).delete()
    storage_delete_on_commit(name for name in names if name)


def sweep_unattached(model, file_fields: tuple[str, ...], *, older_than: timedelta | None, batch: int) -> int:
    """Delete rows of ``model`` never attached within ``older_than`` (default
    settings.UPLOAD_UNATTACHED_TTL) of their upload, in batches: rows first (locked with SKIP
    LOCKED, so an attach in progress wins), their stored files once that commits."""
    cutoff = clock.now() - (older_than if older_than is not None else settings.UPLOAD_UNATTACHED_TTL)
    removed = 0
    while True:
        with transaction.atomic():
            rows = list(
                model.objects.select_for_update(skip_locked=True)
                .filter(attached=False, created_at__lt=cutoff)
                .values_list("pk", *file_fields)[:batch]
            )
            if not rows:
                return removed
            model.objects.filter(pk__in=[row[0] for row in rows]).delete()
            storage_delete_on_commit([name for row in rows for name in row[1:]])
        removed += len(rows)
        if len(rows) < batch:
            return removed
