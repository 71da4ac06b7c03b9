"""The memory of `complete` does not grow with the file: measured with tracemalloc around the real
service call, for a 200 MB file, on local disk and on S3. For S3 the moto server runs in its own
process here, so that its copy of the object is not counted as ours. The remux that strips a
video's metadata runs in FFmpeg (C memory, invisible to tracemalloc): its peak RSS is measured in
a fresh process for a 20 MB and a 200 MB real video."""

from __future__ import annotations

import io
import subprocess
import sys
import time
import tracemalloc
import urllib.request
from pathlib import Path

import pytest

from uploads import services
from treehole.testing import files
from treehole.testing.memory import run_measured
from treehole.testing.servers import free_port
from uploads.tests.conftest import use_s3

pytestmark = pytest.mark.django_db
MIB = files.MIB


@pytest.fixture(scope="module")
def moto_process():
    port = free_port()
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
    for wanted in (20 * MIB, 200 * MIB):
        path = tmp_path / f"{wanted}.mp4"
        size, sha256 = files.write_big_video(path, wanted)
        peak, published = measured_complete(user, path, size, sha256)
        assert published["sha256"] != sha256 and abs(published["size"] - size) < MIB  # remuxed, same packets
        results[wanted] = peak
        path.unlink()
    print(f"\ncomplete() tracemalloc peak, local: 20 MB file {results[20 * MIB] / MIB:.2f} MiB, 200 MB file {results[200 * MIB] / MIB:.2f} MiB")
    assert results[200 * MIB] < 16 * MIB  # generous: the buffer is 1 MiB
    assert results[200 * MIB] < results[20 * MIB] + 4 * MIB  # ten times the file, not more memory


def test_complete_memory_is_flat_on_s3(user, tmp_path, settings, moto_process):
    bucket = use_s3(settings, moto_process)
    results = {}
    for wanted in (40 * MIB, 200 * MIB):
        path = tmp_path / f"{wanted}.mp4"
        size, sha256 = files.write_big_video(path, wanted)
        peak, published = measured_complete(user, path, size, sha256)
        key = published["url"].split(f"/{bucket.name}/", 1)[1]
        head = bucket.head(key)
        assert head["ContentLength"] == published["size"] and head["ContentType"] == "video/mp4"
        assert "-" in head["ETag"]  # a multipart upload's ETag: parts, not one big PUT
        results[wanted] = peak
        path.unlink()
    print(f"\ncomplete() tracemalloc peak, S3 multipart: 40 MB file {results[40 * MIB] / MIB:.2f} MiB, 200 MB file {results[200 * MIB] / MIB:.2f} MiB")
    # Parts of 8 MiB with at most 4 in flight (settings): bounded, whatever the file size.
    assert results[200 * MIB] < 96 * MIB
    assert results[200 * MIB] < results[40 * MIB] + 32 * MIB  # five times the file: no more memory


REMUX_RSS = """
from uploads import video

before = reset_peak()
clean = video.clean(Path(sys.argv[1]), Path(sys.argv[2]), "video/mp4")
print(peak() - before, clean.size)
"""


def remux_peak_rss(source: Path, target: Path) -> int:
    grown, size = (int(value) for value in run_measured(REMUX_RSS, str(source), str(target), timeout=600).split())
    assert size > 0
    return grown


def test_the_metadata_remux_holds_the_same_memory_for_a_file_ten_times_larger(tmp_path):
    peaks = {}
    for wanted in (20 * MIB, 200 * MIB):
        source = tmp_path / f"{wanted}.mp4"
        files.write_big_video(source, wanted)
        peaks[wanted] = remux_peak_rss(source, tmp_path / "clean.mp4")
        source.unlink()
        (tmp_path / "clean.mp4").unlink()
    print(f"\nremux peak RSS growth: 20 MB file {peaks[20 * MIB] / MIB:.1f} MiB, 200 MB file {peaks[200 * MIB] / MIB:.1f} MiB")
    assert peaks[200 * MIB] < 64 * MIB  # packets are copied one at a time
    assert peaks[200 * MIB] < peaks[20 * MIB] + 16 * MIB  # ten times the file, not more memory
