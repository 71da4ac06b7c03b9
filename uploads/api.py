"""Uploads endpoints of the contract (see ../shared/API.md), mounted at /api/v1/uploads. Each view
parses, calls one service or selector, and answers."""


from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from accounts.authentication import api_auth
from treehole.api import ErrorOut
from treehole.errors import PayloadTooLarge
from treehole.ratelimit import rate_limited
from treehole.text import Text, TextKind
from uploads import selectors, services

router = Router(tags=["uploads"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 415: ErrorOut, 429: ErrorOut, 503: ErrorOut}
# Room for the multipart envelope (boundaries, headers, the `purpose` field) around the file.
MULTIPART_OVERHEAD = 64 * 1024


class ImageOut(Schema):
    id: str = Field(..., examples=["7311828211384320001"])
    url: str
    thumb_url: str
    width: int
    height: int
    size: int = Field(..., description="Bytes of the stored (re-encoded) image.")


class SessionIn(Schema):
    filename: Text(TextKind.LINE, max_length=255) = Field(..., description="The original name, kept for display only; the stored name is random.")
    size: int = Field(..., description="Bytes of the whole file (at most the chunked upload limit, 500 MB by default).")
    content_type: Text(TextKind.LINE, max_length=100) = Field(..., examples=["video/mp4"], description="video/mp4, video/webm, video/ogg or video/quicktime; checked against the bytes.")
    sha256: str = Field(..., pattern=r"^\s*[0-9a-fA-F]{64}\s*$", description="SHA-256 of the whole file, 64 hex digits.")


class SessionOut(Schema):
    id: str
    chunk_size: int = Field(..., description="Every chunk but the last has exactly this many bytes.")
    total_chunks: int
    expires_at: datetime = Field(..., description="Extension: after this the session and its chunks are deleted.")


class FileOut(Schema):
    id: str = Field(..., description="The StoredFile id, e.g. a note's video_id.")
    url: str
    size: int
    content_type: str
    sha256: str


class SessionStatusOut(Schema):
    id: str
    received: list[int] = Field(..., description="Indexes of the chunks that arrived and matched their hash.")
    total_chunks: int
    complete: bool
    chunk_size: int = Field(..., description="Extension.")
    size: int = Field(..., description="Extension.")
    expires_at: datetime = Field(..., description="Extension.")
    file: FileOut | None = Field(None, description="Extension: the published file once complete.")


IMAGE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "JPEG, PNG, WebP or GIF, at most 10 MB and 40 megapixels."},
                        "purpose": {"type": "string", "enum": ["note", "avatar"], "default": "note"},
                    },
                }
            }
        },
    }
}
CHUNK_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    },
    "parameters": [
        {
            "in": "header",
            "name": "X-Chunk-SHA256",
            "required": True,
            "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "description": "SHA-256 of this chunk's bytes; a chunk that does not match is rejected (400) and may be re-sent.",
        }
    ],
}


def _content_length(request) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


@router.post(
    "/images",
    auth=api_auth,
    response={201: ImageOut, **ERRORS},
    summary="Upload an image (verified, re-encoded, metadata stripped, thumbnail made)",
    openapi_extra=IMAGE_BODY,
)
@rate_limited("upload")
def image_upload(request):
    services.uploader_check(request.auth)
    limit = settings.TREEHOLE_LIMITS["image_bytes"]
    length = _content_length(request)
    if length is not None and length > limit + MULTIPART_OVERHEAD:
        # Refused before the body is read, let alone stored.
        raise PayloadTooLarge(_("图片不能超过 %(mb)d MB。") % {"mb": limit // (1024 * 1024)})
    image = services.image_create_from_upload(
        owner=request.auth,
        uploaded_file=request.FILES.get("file"),
        purpose=request.POST.get("purpose") or "note",
    )
    return Status(201, services.image_serialize(image))


@router.post("/sessions", auth=api_auth, response={201: SessionOut, **ERRORS}, summary="Start a resumable chunked upload")
@rate_limited("upload")
def session_create(request, payload: SessionIn):
    session = services.upload_session_create(
        owner=request.auth,
        filename=payload.filename,
        size=payload.size,
        content_type=payload.content_type,
        sha256=payload.sha256,
    )
    return Status(
        201,
        {"id": str(session.pk), "chunk_size": session.chunk_size, "total_chunks": session.total_chunks, "expires_at": session.expires_at},
    )


@router.put(
    "/sessions/{id}/chunks/{index}",
    auth=api_auth,
    response={204: None, **ERRORS},
    summary="Upload one chunk (raw bytes; any order; re-sending is harmless)",
    openapi_extra=CHUNK_BODY,
)
@rate_limited("upload_chunk")
def chunk_put(request, id: str, index: int):  # noqa: A002 - the contract's path parameter
    # The body is streamed from the request to disk (request.read, never request.body, which
    # would hold it in memory and trip DATA_UPLOAD_MAX_MEMORY_SIZE).
    services.upload_chunk_receive(
        owner=request.auth,
        session_id=id,
        index=index,
        stream=request,
        sha256=request.headers.get("X-Chunk-SHA256"),
        content_length=_content_length(request),
    )
    return Status(204, None)


@router.get("/sessions/{id}", auth=api_auth, response={200: SessionStatusOut, **ERRORS}, summary="Which chunks arrived (to resume)")
def session_status(request, id: str):  # noqa: A002
    return Status(200, selectors.upload_session_status(owner=request.auth, session_id=id))


@router.post(
    "/sessions/{id}/complete",
    auth=api_auth,
    response={201: FileOut, **ERRORS},
    summary="Assemble, verify the whole-file SHA-256 and publish",
)
@rate_limited("upload_chunk")
def session_complete(request, id: str):  # noqa: A002
    stored = services.upload_session_complete(owner=request.auth, session_id=id)
    return Status(201, services.stored_file_serialize(stored))
