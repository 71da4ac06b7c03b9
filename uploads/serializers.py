"""The contract's upload objects, built from rows (no queries)."""

from __future__ import annotations

from uploads.models import Image, StoredFile


def image_serialize(image: Image) -> dict:
    """The contract's Image object: ``{id, url, thumb_url, width, height, size}``."""
    return {
        "id": str(image.pk),
        "url": image.url,
        "thumb_url": image.thumb_url,
        "width": image.width,
        "height": image.height,
        "size": image.size,
    }


def stored_file_serialize(stored: StoredFile) -> dict:
    """A published file, as ``complete`` answers it: ``{id, url, size, content_type, sha256}``."""
    return {
        "id": str(stored.pk),
        "url": stored.url,
        "size": stored.size,
        "content_type": stored.content_type,
        "sha256": stored.sha256,
    }
