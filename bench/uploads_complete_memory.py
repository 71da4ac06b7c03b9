"""Peak RSS of assembling, remuxing without metadata and publishing a chunked upload (the byte path
of `complete`), measured
in this fresh process: Linux's VmHWM is reset just before the step (/proc/self/clear_refs) and read
right after it, so everything counts — C buffers too, which tracemalloc (in the tests) cannot see.

    .venv/bin/python bench/uploads_complete_memory.py --mb 200            # local disk
    .venv/bin/python bench/uploads_complete_memory.py --mb 20 --mb 200     # compare sizes

Needs no database: it drives uploads.chunkstore and the default storage directly, in a temporary
MEDIA_ROOT and chunk folder. The tests measure the full service (tracemalloc, 200 MB, local + S3).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
MIB = 1024 * 1024


def vm(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(field)


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, action="append", help="file size in MiB (repeatable)")
    args = parser.parse_args()
    sizes = args.mb or [200]

    work = Path(tempfile.mkdtemp(prefix="treehole-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "treehole.settings")
    os.environ["MEDIA_ROOT"] = str(work / "media")
    os.environ["UPLOAD_CHUNK_DIR"] = str(work / "chunks")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{work / 'unused.sqlite3'}")
    import django

    django.setup()
    from django.conf import settings
    from django.core.files.storage import default_storage

    from treehole.testing.files import write_big_video
    from uploads import chunkstore, video

    for number, mb in enumerate(sizes, start=1):
        chunk = settings.UPLOAD_CHUNK_BYTES
        folder = chunkstore.session_dir(number)
        folder.mkdir(parents=True)
        source = work / f"source-{number}.mp4"
        size, sha256 = write_big_video(source, mb * MIB)  # a real MP4 (the remux refuses anything else)
        with open(source, "rb") as handle:
            for index in range((size + chunk - 1) // chunk):
                chunkstore.chunk_path(number, index).write_bytes(handle.read(chunk))
        source.unlink()
        total = (size + chunk - 1) // chunk

        before = vm("VmRSS")
        reset_peak()
        started = time.perf_counter()
        assembled = chunkstore.assemble(number, total)
        cleaned = video.clean(assembled.path, chunkstore.clean_path(number), "video/mp4")
        with chunkstore.AssembledFile(cleaned.path, "video/mp4") as content:
            name = default_storage.save(f"files/bench-{number}.mp4", content)
        elapsed = time.perf_counter() - started
        peak = vm("VmHWM")
        assert assembled.sha256 == sha256 and default_storage.size(name) == cleaned.size
        chunkstore.discard_session(number)
        default_storage.delete(name)
        print(f"{mb:>5} MiB  complete byte path {elapsed:6.2f} s  RSS before {before / MIB:6.1f} MiB  "
              f"peak {peak / MIB:6.1f} MiB  growth {(peak - before) / MIB:5.2f} MiB  storage={settings.STORAGE_BACKEND}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
