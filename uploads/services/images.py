"""Images: verified, re-encoded, stripped of metadata, stored under random names through Django's
storage API (local disk by default, S3-compatible storage by configuration)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from treehole.errors import InvalidInput, PayloadTooLarge
from uploads.imaging import process_image, random_name
from uploads.models import Image, ImagePurpose
from uploads.services.common import rows_delete, rows_set_attached, sweep_unattached, uploader_check


def image_create(*, owner, data: bytes, purpose: str = ImagePurpose.NOTE) -> Image:
    """Check, clean and store one image. Every check runs before the first byte is stored, and
    a failure after that removes what was stored: an error never leaves a file behind."""
    uploader_check(owner)
    return _processed_and_stored(owner=owner, data=data, purpose=purpose)


def _processed_and_stored(*, owner, data: bytes, purpose: str, **row) -> Image:
    if purpose not in ImagePurpose.values:
        raise InvalidInput(fields={"purpose": [_("用途只能是 note 或 avatar。")]})
    processed = process_image(data, square=settings.AVATAR_SIZE if purpose == ImagePurpose.AVATAR else None)
    stored: list[str] = []
    try:
        file_name = default_storage.save(random_name(processed.extension, "images"), _content(processed.content, processed.content_type))
        stored.append(file_name)
        thumb_name = default_storage.save(random_name(processed.extension, "thumbs"), _content(processed.thumb, processed.content_type))
        stored.append(thumb_name)
        return Image.objects.create(
            owner=owner,
            purpose=purpose,
            file=file_name,
            thumb=thumb_name,
            content_type=processed.content_type,
            width=processed.width,
            height=processed.height,
            size=len(processed.content),
            **row,
        )
    except Exception:
        for name in stored:
            default_storage.delete(name)
        raise


def image_import(*, owner, data: bytes, purpose: str = ImagePurpose.NOTE, image_id: int | None = None) -> Image:
    """An image brought in from another site (``manage.py import_seed``): verified, re-encoded and
    stripped of its metadata exactly like an upload, kept under ``image_id`` when it is free, and
    attached (it belongs to a note or an avatar from the start). No uploader check: the operator
    imports, not the owner. The caller removes the files with ``image_files_discard`` when its
    transaction fails."""
    row = {"attached": True}
    if image_id is not None and not Image.objects.filter(pk=image_id).exists():
        row["id"] = image_id
    return _processed_and_stored(owner=owner, data=data, purpose=purpose, **row)


def image_files_discard(images) -> None:
    """Remove the stored files of images whose rows are being rolled back."""
    from uploads.services.common import storage_delete

    storage_delete(name for image in images for name in (image.file.name, image.thumb.name))


def _content(data: bytes, content_type: str) -> ContentFile:
    content = ContentFile(data)
    content.content_type = content_type  # S3 stores it as the object's Content-Type
    return content


def image_create_from_upload(*, owner, uploaded_file, purpose: str = ImagePurpose.NOTE) -> Image:
    limit = settings.TREEHOLE_LIMITS["image_bytes"]
    if uploaded_file is None:
        raise InvalidInput(fields={"file": [_("请选择一张图片。")]})
    if uploaded_file.size > limit:
        raise PayloadTooLarge(_("图片不能超过 %(mb)d MB。") % {"mb": limit // (1024 * 1024)})
    return image_create(owner=owner, data=uploaded_file.read(), purpose=purpose)


def image_create_avatar(*, owner, uploaded_file) -> Image:
    """A new avatar image from the profile form's file (accounts' ``avatar_upload`` hook)."""
    return image_create_from_upload(owner=owner, uploaded_file=uploaded_file, purpose=ImagePurpose.AVATAR)


def image_take_for_avatar(*, owner, image_id: int) -> Image:
    """The caller's own avatar image, marked attached so the sweeper keeps it."""
    with transaction.atomic():
        image = Image.objects.select_for_update().filter(pk=image_id, owner=owner, purpose=ImagePurpose.AVATAR).first()
        if image is None:
            raise InvalidInput(fields={"avatar_image_id": [_("找不到这张头像图片。")]})
        if not image.attached:
            image.attached = True
            image.save(update_fields=["attached"])
    return image


def images_claim(*, owner, image_ids: list[int], purpose: str = ImagePurpose.NOTE) -> list[Image]:
    """The caller's own images, in the order given, marked attached (so the sweeper keeps them).
    Call inside the transaction that attaches them. Unknown ids, someone else's images, duplicates
    or more than the limit are a validation error on ``image_ids`` and change nothing."""
    limit = settings.TREEHOLE_LIMITS["images_per_note"]
    if len(image_ids) > limit:
        raise InvalidInput(fields={"image_ids": [_("最多只能附 %(n)d 张图片。") % {"n": limit}]})
    if len(set(image_ids)) != len(image_ids):
        raise InvalidInput(fields={"image_ids": [_("图片重复了。")]})
    if not image_ids:
        return []
    found = {image.pk: image for image in Image.objects.select_for_update().filter(pk__in=image_ids, owner=owner, purpose=purpose)}
    if len(found) != len(image_ids):
        raise InvalidInput(fields={"image_ids": [_("找不到图片，或图片不是你上传的。")]})
    Image.objects.filter(pk__in=image_ids).update(attached=True)
    return [found[image_id] for image_id in image_ids]


def images_attach(*, image_ids) -> None:
    """Mark images attached (kept by the sweeper), e.g. imported with their note."""
    rows_set_attached(Image, image_ids, attached=True)


def images_release(*, image_ids) -> None:
    """No longer shown: the sweeper deletes them like any unattached upload."""
    rows_set_attached(Image, image_ids, attached=False)


def images_delete(*, image_ids) -> None:
    """Delete the rows now and their files (image and thumbnail) once the transaction commits."""
    rows_delete(Image, image_ids, ("file", "thumb"))


def images_sweep_unattached(*, older_than: timedelta | None = None, batch: int = 500) -> int:
    """Images never attached to a note or an avatar within a day (settings.UPLOAD_UNATTACHED_TTL),
    with their thumbnails."""
    return sweep_unattached(Image, ("file", "thumb"), older_than=older_than, batch=batch)
