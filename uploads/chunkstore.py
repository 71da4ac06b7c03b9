"""Where the chunks of resumable uploads wait: plain files on local disk, one folder per session
(``settings.UPLOAD_CHUNK_DIR/<session id>/<index>.part``), outside MEDIA_ROOT so nothing half-sent
is ever served.

Every byte is streamed through a fixed buffer: a chunk is copied from the request to disk while
its SHA-256 is computed, and ``assemble`` concatenates the chunks into one file while hashing it,
so neither ever holds a chunk, let alone the file, in memory.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File

BUFFER_BYTES = 1024 * 1024


class ChunkTooLarge(Exception):
    """The request carried more bytes than the chunk may hold."""


@dataclass(frozen=True)
class Received:
    path: Path  # a temporary file beside the chunk's final place
    size: int
    sha256: str
    head: bytes  # the first bytes, for sniffing the type of chunk 0


@dataclass(frozen=True)
class Assembled:
    path: Path
    size: int
    sha256: str
    head: bytes


class AssembledFile(File):
    """The assembled file for ``Storage.save``: local storage moves it into place (a rename when
    on the same disk, see ``temporary_file_path``), S3 streams it up in multipart parts."""

    def __init__(self, path: Path, content_type: str):
        super().__init__(open(path, "rb"), name=path.name)  # noqa: SIM115 - closed by the caller
        self.content_type = content_type
        self._path = path

    def temporary_file_path(self) -> str:
        return str(self._path)


def root() -> Path:
    return Path(settings.UPLOAD_CHUNK_DIR)


def session_dir(session_id: int) -> Path:
    return root() / str(int(session_id))


def chunk_path(session_id: int, index: int) -> Path:
    return session_dir(session_id) / f"{int(index)}.part"


def _copy(source, target, *, limit: int | None = None) -> tuple[int, str, bytes]:
    """Copy ``source`` (anything with ``read``) to the open file ``target`` through one buffer,
    returning (bytes copied, SHA-256 hex, the first 64 bytes)."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    while True:
        block = source.read(BUFFER_BYTES)
        if not block:
            break
        size += len(block)
        if limit is not None and size > limit:
            raise ChunkTooLarge
        if len(head) < 64:
            head += block[: 64 - len(head)]
        digest.update(block)
        target.write(block)
    return size, digest.hexdigest(), head


def receive(session_id: int, index: int, stream, *, limit: int) -> Received:
    """Stream a chunk from ``stream`` into a temporary file in the session's folder. The caller
    checks it and then either ``keep``s or ``discard_file``s it."""
    folder = session_dir(session_id)
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{int(index)}.", suffix=".tmp", dir=folder)
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as target:
            size, sha256, head = _copy(stream, target, limit=limit)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Received(path=path, size=size, sha256=sha256, head=head)


def keep(received: Received, session_id: int, index: int) -> None:
    """Move a checked chunk into its place (atomic: a reader sees the old chunk or the new one)."""
    os.replace(received.path, chunk_path(session_id, index))


def clean_path(session_id: int) -> Path:
    """Where the metadata-free copy of an assembled file is written (uploads/video.py)."""
    return session_dir(session_id) / ".clean.tmp"


def discard_file(path: Path) -> None:
    path.unlink(missing_ok=True)


def assemble(session_id: int, total_chunks: int) -> Assembled:
    """Concatenate chunks 0..total_chunks-1 into one new file in the session's folder, hashing
    as it goes. Raises FileNotFoundError when a chunk is missing on disk."""
    folder = session_dir(session_id)
    handle, name = tempfile.mkstemp(prefix=".assembled.", suffix=".tmp", dir=folder)
    path = Path(name)
    digest = hashlib.sha256()
    buffer = bytearray(BUFFER_BYTES)
    view = memoryview(buffer)
    size = 0
    head = b""
    try:
        with os.fdopen(handle, "wb") as target:
            for index in range(total_chunks):
                with open(chunk_path(session_id, index), "rb") as part:
                    while count := part.readinto(buffer):
                        if len(head) < 64:
                            head += bytes(view[: min(count, 64 - len(head))])
                        digest.update(view[:count])
                        target.write(view[:count])
                        size += count
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Assembled(path=path, size=size, sha256=digest.hexdigest(), head=head)


def discard_session(session_id: int) -> None:
    """Remove every byte a session left on disk (chunks, temporary and assembled files)."""
    shutil.rmtree(session_dir(session_id), ignore_errors=True)


def session_ids_on_disk() -> list[int]:
    """Session folders present on disk (for the sweeper to find orphans)."""
    base = root()
    if not base.is_dir():
        return []
    return [int(entry.name) for entry in base.iterdir() if entry.is_dir() and entry.name.isdigit()]


def folder_mtime(session_id: int) -> float | None:
    try:
        return session_dir(session_id).stat().st_mtime
    except FileNotFoundError:
        return None
