"""The memory of `complete` does not grow with the file: measured with tracemalloc around the real
service call, for a 200 MB file, on local disk and on S3. For S3 the moto server runs in its own
process here, so that its copy of the object is not counted as ours."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import time
import tracemalloc
import urllib.request
from pathlib import Path

import pytest

from uploads import services
from treehole.testing import files
from uploads.tests.conftest import use_s3

pytestmark = pytest.mark.django_db
MIB = files.MIB


@pytest.fixture(scope="module")
def moto_process():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(endpoint + "/moto-api/", timeout=1)  # noqa: S310 - local test server
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("moto server did not start") from None
            time.sleep(0.1)
    yield endpoint
    process.terminate()
    process.wait(timeout=10)


def measured_complete(user, path: Path, size: int, sha256: str) -> tuple[int, dict]:
    """Upload ``path`` chunk by chunk through the service, then return the tracemalloc peak of
    ``upload_session_complete`` alone (bytes) and the published file."""
    session = services.upload_session_create(owner=user, filename=path.name, size=size, content_type="video/mp4", sha256=sha256)
    with open(path, "rb") as source:
        for index in range(session.total_chunks):
            chunk = source.read(session.chunk_size)
            services.upload_chunk_receive(
                owner=user, session_id=session.pk, index=index, stream=io.BytesIO(chunk), sha256=files.sha256(chunk)
            )
            del chunk
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        started = time.perf_counter()
        stored = services.upload_session_complete(owner=user, session_id=session.pk)
        _current, peak = tracemalloc.get_traced_memory()
        print(f"\ncomplete() of {size / MIB:.0f} MiB: peak {peak / MIB:.2f} MiB, {time.perf_counter() - started:.2f} s (under tracemalloc)")
    finally:
        tracemalloc.stop()
    return peak, services.stored_file_serialize(stored)


def test_complete_memory_is_flat_on_local_disk(user, tmp_path):
    results = {}
    for size in (20 * MIB, 200 * MIB):
        path = tmp_path / f"{size}.mp4"
        sha256 = files.write_video(path, size)
        peak, published = measured_complete(user, path, size, sha256)
        assert published["sha256"] == sha256 and published["size"] == size
        results[size] = peak
        path.unlink()
    print(f"\ncomplete() tracemalloc peak, local: 20 MB file {results[20 * MIB] / MIB:.2f} MiB, 200 MB file {results[200 * MIB] / MIB:.2f} MiB")
    assert results[200 * MIB] < 16 * MIB  # generous: the buffer is 1 MiB
    assert results[200 * MIB] < results[20 * MIB] + 4 * MIB  # ten times the file, not more memory


def test_complete_memory_is_flat_on_s3(user, tmp_path, settings, moto_process):
    bucket = use_s3(settings, moto_process)
    results = {}
    for size in (40 * MIB, 200 * MIB):
        path = tmp_path / f"{size}.mp4"
        sha256 = files.write_video(path, size)
        peak, published = measured_complete(user, path, size, sha256)
        key = published["url"].split(f"/{bucket.name}/", 1)[1]
        head = bucket.head(key)
        assert head["ContentLength"] == size and head["ContentType"] == "video/mp4"
        assert "-" in head["ETag"]  # a multipart upload's ETag: parts, not one big PUT
        results[size] = peak
        path.unlink()
    print(f"\ncomplete() tracemalloc peak, S3 multipart: 40 MB file {results[40 * MIB] / MIB:.2f} MiB, 200 MB file {results[200 * MIB] / MIB:.2f} MiB")
    # Parts of 8 MiB with at most 4 in flight (settings): bounded, whatever the file size.
    assert results[200 * MIB] < 96 * MIB
    assert results[200 * MIB] < results[40 * MIB] + 32 * MIB  # five times the file: no more memory
