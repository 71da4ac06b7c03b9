"""Pieces every upload service shares."""

from __future__ import annotations

import logging

from django.core.files.storage import default_storage
from django.db import transaction

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
    transaction.on_commit(lambda: storage_delete(names))
