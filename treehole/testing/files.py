"""Real files for tests, made on the fly (Pillow for images, random bytes behind a real container
header for "videos")."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

from PIL import Image

MIB = 1024 * 1024
MP4_HEAD = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"


def jpeg_with_gps(size=(640, 480)) -> bytes:
    image = Image.new("RGB", size, (120, 160, 130))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x0110] = "Model X"  # Model
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}  # GPS IFD
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), comment=b"shot at home")
    return buffer.getvalue()


def png_bytes(size=(64, 48), mode="RGBA") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (10, 20, 30, 128) if mode == "RGBA" else 0).save(buffer, "PNG")
    return buffer.getvalue()


def gif_animated() -> bytes:
    frames = [Image.new("P", (32, 32), color) for color in (1, 2, 3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


def png_bomb(side: int) -> bytes:
    """A tiny PNG (1 bit per pixel, all zeros, compressed by deflate) that decodes to side² pixels."""
    buffer = io.BytesIO()
    Image.new("1", (side, side), 0).save(buffer, "PNG")
    return buffer.getvalue()


def noisy_jpeg(size=(2400, 1800), quality=95) -> bytes:
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def video_bytes(size: int) -> bytes:
    """``size`` bytes that start like an MP4 file."""
    return MP4_HEAD + os.urandom(size - len(MP4_HEAD))


def write_video(path: Path, size: int) -> str:
    """Write a ``size``-byte MP4-looking file to ``path`` in pieces; returns its SHA-256."""
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        out.write(MP4_HEAD)
        digest.update(MP4_HEAD)
        left = size - len(MP4_HEAD)
        while left:
            block = os.urandom(min(left, 4 * MIB))
            out.write(block)
            digest.update(block)
            left -= len(block)
    return digest.hexdigest()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
