"""Turn untrusted image bytes into a safe image: sniff the real type from the bytes, verify and
fully decode with Pillow (rejecting truncated files and decompression bombs), then re-encode from
the pixels alone so EXIF/GPS, ICC comments and any appended payload never survive."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

from treehole.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType

# Sniffed from the first bytes, never from the file name or the client's Content-Type.
SIGNATURES = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
)
OUTPUT = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp"), "GIF": ("png", "image/png")}
THUMB_SIZE = (400, 400)


@dataclass
class ProcessedImage:
    content: bytes
    thumb: bytes
    extension: str
    content_type: str
    width: int
    height: int


def sniff_format(head: bytes) -> str | None:
    for signature, name in SIGNATURES:
        if head.startswith(signature):
            return name
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def _encode(image: PILImage.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
    elif fmt == "WEBP":
        image.save(buffer, "WEBP", quality=85)
    else:
        image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def process_image(data: bytes, *, square: int | None = None) -> ProcessedImage:
    """Verify and re-encode. ``square`` crops and resizes to a square (avatars).

    Animated GIFs (and animated WebP/PNG) are reduced to their first frame, a GIF stored as PNG: a
    moving picture in a calm place is rarely what a reader wants, and it keeps one code path for
    every image (see docs/uploads.md)."""
    limits = settings.TREEHOLE_LIMITS
    if len(data) > limits["image_bytes"]:
        raise PayloadTooLarge(_("图片不能超过 %(mb)d MB。") % {"mb": limits["image_bytes"] // (1024 * 1024)})
    fmt = sniff_format(data[:16])
    if fmt is None:
        raise UnsupportedMediaType(_("只支持 JPEG、PNG、WebP 和 GIF 图片。"))
    try:
        with PILImage.open(io.BytesIO(data)) as probe:
            # Many phone cameras write JPEGs with an MPO (multi-picture) index: still a JPEG.
            if (probe.format if probe.format != "MPO" else "JPEG") != fmt:
                raise UnsupportedMediaType(_("文件内容与图片格式不符。"))
            if probe.width * probe.height > limits["image_pixels"]:
                raise PayloadTooLarge(_("图片尺寸过大。"))
            probe.verify()
        with PILImage.open(io.BytesIO(data)) as image:
            image.seek(0)
            image.load()
            image = ImageOps.exif_transpose(image)  # keep the photo upright once EXIF is gone
            if image.mode not in ("RGB", "RGBA", "L", "LA"):
                image = image.convert("RGBA" if "transparency" in image.info or image.mode == "P" else "RGB")
            clean = PILImage.new(image.mode, image.size)  # pixels only: no info, no EXIF, no ICC text
            clean.paste(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, PILImage.DecompressionBombError) as exc:
        if isinstance(exc, PILImage.DecompressionBombError):
            raise PayloadTooLarge(_("图片尺寸过大。")) from exc
        raise InvalidInput(_("图片已损坏或无法识别。"), fields={"file": [_("图片已损坏或无法识别。")]}) from exc

    if square:
        clean = ImageOps.fit(clean, (square, square), PILImage.Resampling.LANCZOS)
    out_format = "JPEG" if fmt == "JPEG" else ("WEBP" if fmt == "WEBP" else "PNG")
    extension, content_type = OUTPUT[out_format]
    thumb = clean.copy()
    thumb.thumbnail(THUMB_SIZE, PILImage.Resampling.LANCZOS)
    return ProcessedImage(
        content=_encode(clean, out_format),
        thumb=_encode(thumb, out_format),
        extension=extension,
        content_type=content_type,
        width=clean.width,
        height=clean.height,
    )


def random_name(extension: str, folder: str) -> str:
    """A path that says nothing about the uploader or the time of upload."""
    token = secrets.token_hex(16)
    return f"{folder}/{token[:2]}/{token}.{extension}"
