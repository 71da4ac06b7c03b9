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
        (image if image.mode == "RGB" else image.convert("RGB")).save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
    elif fmt == "WEBP":
        image.save(buffer, "WEBP", quality=85)
    else:
        image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _draft_scale(width: int, height: int, budget: int, fmt: str) -> int | None:
    """How much to shrink while decoding so at most ``budget`` pixels are ever held: JPEG
    decodes at 1/2, 1/4 or 1/8 scale for free (libjpeg's DCT scaling), other formats only at full
    size. None when even the smallest decode is over the budget."""
    for scale in (1, 2, 4, 8) if fmt == "JPEG" else (1,):
        if -(-width // scale) * -(-height // scale) <= budget:
            return scale
    return None


def _decode(data: bytes, scale: int) -> PILImage.Image:
    """The pixels alone (no info, EXIF or ICC text), upright, in a mode we store; at most two
    copies of the picture are alive at once."""
    opened = PILImage.open(io.BytesIO(data))
    try:
        if scale > 1:
            opened.draft(opened.mode, (-(-opened.width // scale), -(-opened.height // scale)))
        opened.seek(0)
        opened.load()
        ImageOps.exif_transpose(opened, in_place=True)  # keep the photo upright once EXIF is gone
        pixels = opened
        if opened.mode not in ("RGB", "RGBA", "L", "LA"):
            pixels = opened.convert("RGBA" if "transparency" in opened.info or opened.mode == "P" else "RGB")
            opened.close()
        clean = PILImage.new(pixels.mode, pixels.size)
        clean.paste(pixels)
        pixels.close()
        return clean
    finally:
        opened.close()


def _fit(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """``size`` scaled to fit in ``box``, never enlarged."""
    ratio = min(1.0, box[0] / size[0], box[1] / size[1])
    return max(1, round(size[0] * ratio)), max(1, round(size[1] * ratio))


def process_image(data: bytes, *, square: int | None = None) -> ProcessedImage:
    """Verify and re-encode. ``square`` crops and resizes to a square (avatars).

    Memory is bounded by the pixel budget (``LIMIT_IMAGE_PIXELS``), checked on the header before
    anything is decoded: a larger JPEG (a 48 Mpx phone photo) is decoded at 1/2, 1/4 or 1/8 scale,
    any other format over the budget is refused — a 150 KB PNG can declare 6300×6300 pixels,
    which took ~770 MB to decode and convert.

    Animated GIFs (and animated WebP/PNG) are reduced to their first frame, a GIF stored as PNG: a
    moving picture in a calm place is rarely what a reader wants, and it keeps one code path for
    every image (see docs/uploads.md)."""
    limits = settings.TREEHOLE_LIMITS
    if len(data) > limits["image_bytes"]:
        raise PayloadTooLarge(_("图片不能超过 %(mb)d MB。") % {"mb": limits["image_bytes"] // (1024 * 1024)})
    fmt = sniff_format(data[:16])
    if fmt is None:
        raise UnsupportedMediaType(_("只支持 JPEG、PNG、WebP 和 GIF 图片。"))
    budget = limits["image_pixels"]
    try:
        with PILImage.open(io.BytesIO(data)) as probe:
            # Many phone cameras write JPEGs with an MPO (multi-picture) index: still a JPEG.
            if (probe.format if probe.format != "MPO" else "JPEG") != fmt:
                raise UnsupportedMediaType(_("文件内容与图片格式不符。"))
            scale = _draft_scale(probe.width, probe.height, budget, fmt)
            if scale is None:
                raise PayloadTooLarge(_("图片尺寸过大（最多 %(mp)d 百万像素）。") % {"mp": budget // 1_000_000})
            probe.verify()
        clean = _decode(data, scale)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, PILImage.DecompressionBombError) as exc:
        if isinstance(exc, PILImage.DecompressionBombError):
            raise PayloadTooLarge(_("图片尺寸过大（最多 %(mp)d 百万像素）。") % {"mp": budget // 1_000_000}) from exc
        raise InvalidInput(_("图片已损坏或无法识别。"), fields={"file": [_("图片已损坏或无法识别。")]}) from exc

    if square:
        clean = ImageOps.fit(clean, (square, square), PILImage.Resampling.LANCZOS)
    out_format = "JPEG" if fmt == "JPEG" else ("WEBP" if fmt == "WEBP" else "PNG")
    extension, content_type = OUTPUT[out_format]
    thumb = clean.resize(_fit(clean.size, THUMB_SIZE), PILImage.Resampling.LANCZOS, reducing_gap=3.0)
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
