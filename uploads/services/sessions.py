"""Resumable chunked uploads: create a session for a declared file, receive its chunks in any
order, then assemble, verify and publish it — or clean up everything it left.

The database says which chunks arrived (an ``UploadChunk`` row is written only after its bytes,
checked against their SHA-256, are in place on disk); the disk holds the bytes until ``complete``;
the published file goes through Django's storage API (local disk or S3)."""

from __future__ import annotations

import logging
import math
import os
import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from treehole import clock
from treehole.effects import after_commit
from treehole.errors import Conflict, InvalidInput, PayloadTooLarge, Unavailable, UnsupportedMediaType
from uploads import chunkstore, media_types, video
from uploads.imaging import random_name
from uploads.models import StoredFile, UploadChunk, UploadSession, UploadSessionStatus
from uploads.selectors import upload_session_get
from uploads.services.common import uploader_check

logger = logging.getLogger(__name__)

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
# A session left "assembling" this long by a process that died is open for `complete` again.
ASSEMBLE_STALE_AFTER = timedelta(minutes=15)
LIVE_STATUSES = (UploadSessionStatus.OPEN, UploadSessionStatus.ASSEMBLING)


def _sha256(value) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip().lower()
    return value if SHA256_RE.match(value) else None


def _mb(size: int) -> int:
    return size // (1024 * 1024)


def upload_session_create(*, owner, filename: str, size: int, content_type: str, sha256: str) -> UploadSession:
    """Declare a file of ``size`` bytes: answers the session with its chunk size and count."""
    uploader_check(owner)
    errors: dict[str, list[str]] = {}
    if not isinstance(filename, str) or len(filename) > 255:
        errors["filename"] = [_("文件名应为不超过 255 个字符的文字。")]
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        errors["size"] = [_("文件大小应为正整数（字节）。")]
    digest = _sha256(sha256)
    if digest is None:
        errors["sha256"] = [_("sha256 应为 64 位十六进制字符串。")]
    if not isinstance(content_type, str) or not content_type.strip():
        errors["content_type"] = [_("请给出文件类型。")]
    if errors:
        raise InvalidInput(fields=errors)
    limit = settings.TREEHOLE_LIMITS["chunked_upload_bytes"]
    if size > limit:
        raise PayloadTooLarge(_("文件不能超过 %(mb)d MB。") % {"mb": _mb(limit)})
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type not in settings.UPLOAD_SESSION_CONTENT_TYPES:
        raise UnsupportedMediaType(
            _("只能上传这些类型的文件：%(types)s。") % {"types": "、".join(settings.UPLOAD_SESSION_CONTENT_TYPES)}
        )
    chunk_size = settings.UPLOAD_CHUNK_BYTES
    now = clock.now()
    with transaction.atomic():
        # One row lock on the uploader serializes their creates, so the cap holds under races.
        get_user_model().objects.select_for_update().filter(pk=owner.pk).values_list("pk").first()
        unfinished = UploadSession.objects.filter(owner=owner, status__in=LIVE_STATUSES, expires_at__gt=now).count()
        if unfinished >= settings.UPLOAD_SESSIONS_PER_USER:
            raise Conflict(
                _("你已有 %(n)d 个未完成的上传，请先完成它们或等它们过期。") % {"n": unfinished}
            )
        return UploadSession.objects.create(
            owner=owner,
            filename=os.path.basename(filename.replace("\\", "/"))[:200],
            content_type=media_type,
            size=size,
            sha256=digest,
            chunk_size=chunk_size,
            total_chunks=math.ceil(size / chunk_size),
            expires_at=now + settings.UPLOAD_SESSION_TTL,
        )


def _check_open(session: UploadSession) -> None:
    if session.status == UploadSessionStatus.COMPLETE:
        raise Conflict(_("这个上传已经完成了。"))
    if session.status == UploadSessionStatus.ASSEMBLING:
        raise Conflict(_("这个上传正在合并，请稍候。"))


def upload_chunk_receive(*, owner, session_id, index: int, stream, sha256: str | None, content_length: int | None = None) -> bool:
    """Store chunk ``index`` read from ``stream`` (streamed to disk, never held in memory) if its
    bytes match ``sha256``. Returns False when that very chunk was already there (a harmless
    re-send). A corrupted chunk is rejected and leaves nothing, so it can simply be sent again."""
    uploader_check(owner)
    session = upload_session_get(owner=owner, session_id=session_id)
    _check_open(session)
    if not isinstance(index, int) or not 0 <= index < session.total_chunks:
        raise InvalidInput(fields={"index": [_("分片序号应在 0 到 %(last)d 之间。") % {"last": session.total_chunks - 1}]})
    expected_sha = _sha256(sha256)
    if expected_sha is None:
        raise InvalidInput(fields={"X-Chunk-SHA256": [_("请在 X-Chunk-SHA256 头里给出这个分片的 SHA-256（64 位十六进制）。")]})
    expected_size = session.chunk_length(index)
    if content_length is not None and content_length > expected_size:
        raise PayloadTooLarge(_("分片 %(index)d 应为 %(size)d 字节。") % {"index": index, "size": expected_size})

    try:
        received = chunkstore.receive(session.pk, index, stream, limit=expected_size)
    except chunkstore.ChunkTooLarge:
        raise PayloadTooLarge(_("分片 %(index)d 应为 %(size)d 字节。") % {"index": index, "size": expected_size}) from None
    kept = False
    try:
        if received.size != expected_size:
            raise InvalidInput(
                _("分片 %(index)d 应为 %(size)d 字节，收到 %(got)d 字节。") % {"index": index, "size": expected_size, "got": received.size},
                fields={"body": [_("分片长度不对。")]},
            )
        if received.sha256 != expected_sha:
            raise InvalidInput(
                _("分片 %(index)d 的内容与 X-Chunk-SHA256 不符（传输中损坏？），请重新发送这个分片。") % {"index": index},
                fields={"X-Chunk-SHA256": [_("分片校验失败。")]},
            )
        if index == 0 and media_types.sniff(received.head) not in settings.UPLOAD_SESSION_CONTENT_TYPES:
            raise UnsupportedMediaType(_("文件内容不是支持的视频格式。"))
        with transaction.atomic():
            locked = upload_session_get(owner=owner, session_id=session.pk, for_update=True)
            _check_open(locked)
            existing = UploadChunk.objects.filter(session=locked, index=index).first()
            if existing is not None:
                if existing.sha256 != received.sha256:
                    raise Conflict(_("分片 %(index)d 已经收到过不同的内容。") % {"index": index})
                return False
            # Concurrent sends of one chunk wait on the session lock, so the second sees the first.
            chunkstore.keep(received, session.pk, index)
            kept = True
            UploadChunk.objects.create(session=locked, index=index, size=received.size, sha256=received.sha256)
        return True
    finally:
        if not kept:
            chunkstore.discard_file(received.path)


def _abandon(session: UploadSession) -> None:
    """Forget a session whose data proved wrong: rows, chunks and every byte on disk."""
    UploadSession.objects.filter(pk=session.pk).delete()
    chunkstore.discard_session(session.pk)


def _reopen(session: UploadSession) -> None:
    UploadSession.objects.filter(pk=session.pk, status=UploadSessionStatus.ASSEMBLING).update(
        status=UploadSessionStatus.OPEN, updated_at=clock.now()
    )


def upload_session_complete(*, owner, session_id) -> StoredFile:
    """Assemble the chunks into one file (streamed, never in memory), check its size, SHA-256 and
    type, and only then publish it through the storage API as a StoredFile. Completing a completed
    session answers the same file again (a client whose answer was lost may retry)."""
    uploader_check(owner)
    with transaction.atomic():
        session = upload_session_get(owner=owner, session_id=session_id, for_update=True)
        if session.status == UploadSessionStatus.COMPLETE and session.stored_file is not None:
            return session.stored_file
        if session.status == UploadSessionStatus.ASSEMBLING and session.updated_at > clock.now() - ASSEMBLE_STALE_AFTER:
            raise Conflict(_("这个上传正在合并，请稍候。"))
        received = set(session.chunks.values_list("index", flat=True))
        missing = [index for index in range(session.total_chunks) if index not in received]
        if missing:
            shown = ", ".join(str(index) for index in missing[:20]) + (" …" if len(missing) > 20 else "")
            raise Conflict(
                _("还有 %(n)d 个分片没有上传（%(missing)s）。") % {"n": len(missing), "missing": shown}
            )
        session.status = UploadSessionStatus.ASSEMBLING
        session.save(update_fields=["status", "updated_at"])

    # Disk and network work happens outside any transaction: no row stays locked meanwhile.
    try:
        assembled = chunkstore.assemble(session.pk, session.total_chunks)
    except FileNotFoundError:
        # A chunk recorded but gone from disk (a lost volume): forget the missing ones so the
        # status endpoint asks the client for them again.
        lost = [i for i in range(session.total_chunks) if not chunkstore.chunk_path(session.pk, i).exists()]
        UploadChunk.objects.filter(session_id=session.pk, index__in=lost).delete()
        _reopen(session)
        raise Conflict(_("有 %(n)d 个分片丢失了，请重新上传它们。") % {"n": len(lost)}) from None
    except Exception:
        _reopen(session)
        raise

    stored_name = None
    cleaned_path = chunkstore.clean_path(session.pk)
    try:
        if assembled.size != session.size or assembled.sha256 != session.sha256:
            _abandon(session)
            raise InvalidInput(
                _("合并后的文件与声明的大小或 SHA-256 不符，本次上传已作废，请重新上传。"),
                fields={"sha256": [_("整个文件的校验值不符。")]},
            )
        content_type = media_types.sniff(assembled.head)
        if content_type not in settings.UPLOAD_SESSION_CONTENT_TYPES or not video.supported(content_type):
            _abandon(session)
            raise UnsupportedMediaType(_("文件内容不是支持的视频格式。"))
        # Never the uploaded bytes: a copy of the picture and sound alone (no GPS, device, title).
        try:
            cleaned = video.clean(assembled.path, cleaned_path, content_type)
        except video.NotRemuxable as exc:
            _abandon(session)
            raise InvalidInput(exc.message, fields={"file": [exc.message]}) from None
        name = random_name(media_types.extension_for(content_type), "files")
        try:
            with chunkstore.AssembledFile(cleaned.path, content_type) as content:
                stored_name = default_storage.save(name, content)
        except Exception as exc:
            logger.exception("Publishing upload session %s failed", session.pk)
            _reopen(session)
            raise Unavailable(_("文件存储暂时不可用，请稍后再试完成上传。")) from exc
        try:
            with transaction.atomic():
                stored = StoredFile.objects.create(
                    owner=owner,
                    file=stored_name,
                    original_name=session.filename,
                    content_type=content_type,
                    size=cleaned.size,  # what is served, not what was uploaded
                    sha256=cleaned.sha256,
                )
                UploadSession.objects.filter(pk=session.pk).update(
                    status=UploadSessionStatus.COMPLETE, stored_file=stored, updated_at=clock.now()
                )
        except Exception:
            default_storage.delete(stored_name)
            _reopen(session)
            raise
    finally:
        chunkstore.discard_file(assembled.path)
        chunkstore.discard_file(cleaned_path)  # already moved away when local storage took it
    chunkstore.discard_session(session.pk)
    return stored


def upload_sessions_sweep_expired(*, batch: int = 200) -> int:
    """Delete sessions past ``expires_at`` (24 h after creation by default) with their chunks,
    and any chunk folder on disk that no session owns any more. Returns the sessions removed."""
    now = clock.now()
    removed = 0
    while True:
        ids = list(UploadSession.objects.filter(expires_at__lte=now).values_list("pk", flat=True)[:batch])
        if not ids:
            break
        with transaction.atomic():
            UploadSession.objects.filter(pk__in=ids, expires_at__lte=now).delete()
            after_commit(lambda ids=ids: [chunkstore.discard_session(pk) for pk in ids])
        removed += len(ids)
        if len(ids) < batch:
            break
    # Folders whose row is gone (a crash between the two deletes): old enough to be nobody's.
    on_disk = chunkstore.session_ids_on_disk()
    if on_disk:
        alive = set(UploadSession.objects.filter(pk__in=on_disk).values_list("pk", flat=True))
        horizon = (now - settings.UPLOAD_SESSION_TTL).timestamp()
        for pk in on_disk:
            mtime = chunkstore.folder_mtime(pk)
            if pk not in alive and mtime is not None and mtime < horizon:
                chunkstore.discard_session(pk)
    return removed
