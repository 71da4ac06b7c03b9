"""Reads for uploads."""

from __future__ import annotations

from django.utils.translation import gettext as _

from treehole import clock
from treehole.errors import NotFound
from treehole.ids import parse_id
from uploads.models import UploadSession
from uploads.serializers import stored_file_serialize


def upload_session_get(*, owner, session_id, for_update: bool = False) -> UploadSession:
    """The caller's own live session. Someone else's, an unknown and an expired one all answer
    the same ``not_found``: a session id reveals nothing about whether it exists."""
    pk = parse_id(session_id)
    session = None
    if pk is not None and owner is not None:
        queryset = UploadSession.objects.filter(pk=pk, owner=owner, expires_at__gt=clock.now())
        if for_update:
            queryset = queryset.select_for_update()
        session = queryset.select_related("stored_file").first()
    if session is None:
        raise NotFound(_("上传会话不存在或已过期。"))
    return session


def upload_session_received(session: UploadSession) -> list[int]:
    """Indexes of the chunks that arrived whole and verified, ascending."""
    return list(session.chunks.order_by("index").values_list("index", flat=True))


def upload_session_status(*, owner, session_id) -> dict:
    """What a client needs to resume: ``{id, received, total_chunks, complete}`` (contract) plus
    ``chunk_size``, ``size``, ``expires_at`` and the published ``file`` once complete."""
    session = upload_session_get(owner=owner, session_id=session_id)
    return {
        "id": str(session.pk),
        "received": upload_session_received(session),
        "total_chunks": session.total_chunks,
        "complete": session.complete,
        "chunk_size": session.chunk_size,
        "size": session.size,
        "expires_at": session.expires_at,
        "file": stored_file_serialize(session.stored_file) if session.complete and session.stored_file else None,
    }
