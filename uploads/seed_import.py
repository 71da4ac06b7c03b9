"""uploads' step of ``manage.py import_seed``: avatars. A seed user whose ``usericon`` is one of
the seed's own uploads (``/upload/<uid>/<file>``) gets that picture as their avatar, through the
same checks as an upload (verified, re-encoded to a square, metadata stripped). An icon that is
any other URL (the seed's front end showed a default one) is not fetched: that user has none.
Note images are imported with their notes (notes/seed_import.py)."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

from accounts.models import User
from accounts.services import user_set_avatar
from treehole.seedimport import BadRow, ImportReport, SeedSource, decode, import_table, imported, seed_id, skipped, upload_path
from uploads.models import ImagePurpose
from uploads.services import image_files_discard, image_import

COLUMNS = "id, deleted_at, identity, usericon"


def import_avatar(row: dict, *, source: SeedSource, report: ImportReport):
    if row["deleted_at"] is not None:
        return skipped("deleted in the seed")
    icon = decode(row["usericon"], what="usericon").strip()
    user = User.objects.filter(pk=seed_id(row["identity"], what="identity")).first()
    if user is None:
        return skipped("the user was not imported")
    if user.avatar_id:
        return skipped("already has an avatar")
    if upload_path(icon) is None:
        return skipped("no uploaded icon (an empty or outside URL)")
    if not source.options.media_dir:
        return skipped("an uploaded icon, but --media was not given")
    path = source.media_path(icon)
    if path is None or not os.path.isfile(path):
        raise BadRow(f"icon {icon} is missing from --media")
    if os.path.getsize(path) > settings.TREEHOLE_LIMITS["image_bytes"]:
        raise BadRow(f"icon {icon} is over Treehole's image size limit")
    stem = Path(path).stem
    with open(path, "rb") as handle:
        data = handle.read()
    image = image_import(owner=user, data=data, purpose=ImagePurpose.AVATAR, image_id=int(stem) if stem.isdigit() and int(stem) < (1 << 63) else None)
    try:
        user_set_avatar(user=user, image=image)
    except BaseException:
        image_files_discard([image])
        raise
    report.made.setdefault("avatar_urls", set()).add(upload_path(icon))
    return imported()


def seed_import_step(source: SeedSource, report: ImportReport) -> None:
    """The ``seed_import`` hook for avatars (after users)."""
    import_table(source, report, "avatars", "user_basic", COLUMNS, lambda row: import_avatar(row, source=source, report=report))


IMAGE_COLUMNS = "id, deleted_at, url, type"
AVATAR_TYPE = 1  # image_basic.type: 1 avatar, 2 note image


def images_step(source: SeedSource, report: ImportReport) -> None:
    """The ``seed_import`` hook that accounts for ``image_basic`` (after notes and avatars): a note
    image is imported with its note, an avatar with its user; what no note or user shows (the
    seed's uploads that were never used, or belonged to a bad note) stays behind."""
    from uploads.models import Image

    made = report.made.get("image_urls", set()) | report.made.get("avatar_urls", set())

    def account(row: dict):
        if row["deleted_at"] is not None:
            return skipped("deleted in the seed")
        path = upload_path(row["url"]) or decode(row["url"], what="url")
        if path in made:
            return imported()
        stem = Path(path).stem
        if stem.isdigit() and int(stem) < (1 << 63) and Image.objects.filter(pk=int(stem)).exists():
            return skipped("already imported")
        if row["type"] == AVATAR_TYPE:
            return skipped("an avatar no imported user shows")
        return skipped("on no imported note (never used in the seed, or its note was bad)")

    import_table(source, report, "images", "image_basic", IMAGE_COLUMNS, account,
                 row_id=lambda row: decode(row["url"], what="url") or f"row {row['id']}")
