"""Issue 14 item 12: decoding an image holds a bounded amount of memory. A 150 KB PNG can declare
6300×6300 pixels (it took a server process to ~770 MB); it is refused from its header. A 48 Mpx
phone JPEG is decoded at reduced scale. Measured as the peak RSS (VmHWM, reset just before the
call) of a fresh process running the real ``process_image`` — Pillow's buffers are C memory,
which tracemalloc cannot see."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from treehole.testing import assert_error, auth_headers as auth
from treehole.testing.memory import run_measured

MIB = 1024 * 1024
MEASURE = """
from uploads.imaging import process_image

data = Path(sys.argv[1]).read_bytes()
before = reset_peak()
try:
    result = process_image(data)
    outcome = f"ok {result.width}x{result.height}"
except Exception as exc:
    outcome = type(exc).__name__
print(outcome, peak() - before)
"""


def measure(tmp_path, data: bytes) -> tuple[str, int]:
    path = tmp_path / "image.bin"
    path.write_bytes(data)
    *outcome, grown = run_measured(MEASURE, str(path), timeout=300).split()
    return " ".join(outcome), int(grown)


def png(width: int, height: int, mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), 0).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_small_png_declaring_6300_by_6300_pixels_is_refused_without_decoding_it(tmp_path):
    data = png(6300, 6300)
    assert len(data) < 200 * 1024  # the audit's "150 KB" file
    outcome, grown = measure(tmp_path, data)
    assert outcome == "PayloadTooLarge"
    assert grown < 16 * MIB, grown / MIB


def test_a_48_megapixel_jpeg_is_decoded_at_reduced_scale_in_bounded_memory(tmp_path):
    image = Image.linear_gradient("L").resize((8000, 6000)).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    del image
    outcome, grown = measure(tmp_path, buffer.getvalue())
    assert outcome == "ok 4000x3000"  # half scale: 12 Mpx, within the 16 Mpx budget
    assert grown < 160 * MIB, grown / MIB  # 48 Mpx RGB alone would be 137 MiB per copy


def test_the_largest_png_allowed_stays_within_its_budget(tmp_path, settings):
    side = int(settings.TREEHOLE_LIMITS["image_pixels"] ** 0.5)
    outcome, grown = measure(tmp_path, png(side, side, "RGBA"))
    assert outcome == f"ok {side}x{side}"
    assert grown < 300 * MIB, grown / MIB  # two RGBA copies (2 × 61 MiB) and the encoder's buffers


@pytest.mark.django_db
def test_the_api_answers_413_for_the_6300_pixel_png(uploader):
    response = uploader.post("/api/v1/uploads/images", {"file": SimpleUploadedFile("bomb.png", png(6300, 6300), "image/png")},
                             **auth(uploader))
    assert_error(response, 413, "payload_too_large")
