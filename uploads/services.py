"""Writes for uploads: every stored file goes through Django's storage API (local disk by
default, S3-compatible storage by configuration)."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from treehole.errors import InvalidInput, PayloadTooLarge
from uploads.imaging import process_image, random_name
from uploads.models import Image, ImagePurpose

AVATAR_PIXELS = 256


def image_create(*, owner, data: bytes, purpose: str = ImagePurpose.NOTE) -> Image:
    if purpose not in ImagePurpose.values:
        raise InvalidInput(fields={"purpose": [_("用途只能是 note 或 avatar。")]})
    processed = process_image(data, square=AVATAR_PIXELS if purpose == ImagePurpose.AVATAR else None)
    file_name = default_storage.save(random_name(processed.extension, "images"), ContentFile(processed.content))
    thumb_name = default_storage.save(random_name(processed.extension, "thumbs"), ContentFile(processed.thumb))
    try:
        return Image.objects.create(
            owner=owner,
            purpose=purpose,
            file=file_name,
            thumb=thumb_name,
            content_type=processed.content_type,
            width=processed.width,
            height=processed.height,
            size=len(processed.content),
        )
    except Exception:
        default_storage.delete(file_name)
        default_storage.delete(thumb_name)
        raise


def image_create_from_upload(*, owner, uploaded_file, purpose: str = ImagePurpose.NOTE) -> Image:
    from django.conf import settings

    limit = settings.TREEHOLE_LIMITS["image_bytes"]
    if uploaded_file is None:
        raise InvalidInput(fields={"file": [_("请选择一张图片。")]})
    if uploaded_file.size > limit:
        raise PayloadTooLarge(_("图片不能超过 %(mb)d MB。") % {"mb": limit // (1024 * 1024)})
    return image_create(owner=owner, data=uploaded_file.read(), purpose=purpose)


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
    from django.conf import settings

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


def image_serialize(image: Image) -> dict:
    """The contract's Image object."""
    return {
        "id": str(image.pk),
        "url": image.url,
        "thumb_url": image.thumb_url,
        "width": image.width,
        "height": image.height,
        "size": image.size,
    }
