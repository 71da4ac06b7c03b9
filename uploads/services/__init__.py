"""Writes for uploads, one module per kind of thing (DESIGN: a growing services.py becomes a
package). Everything other apps call is importable from here: ``from uploads.services import …``."""

from uploads.serializers import image_serialize, stored_file_serialize
from uploads.services.common import uploader_check
from uploads.services.files import stored_file_delete, stored_file_release, stored_files_sweep_unattached, video_claim
from uploads.services.images import (
    image_create,
    image_create_from_upload,
    image_files_discard,
    image_import,
    image_take_for_avatar,
    images_attach,
    images_claim,
    images_delete,
    images_release,
    images_sweep_unattached,
)
from uploads.services.sessions import (
    upload_chunk_receive,
    upload_session_complete,
    upload_session_create,
    upload_sessions_sweep_expired,
)

__all__ = [
    "image_create",
    "image_create_from_upload",
    "image_files_discard",
    "image_import",
    "image_serialize",
    "image_take_for_avatar",
    "images_attach",
    "images_claim",
    "images_delete",
    "images_release",
    "images_sweep_unattached",
    "stored_file_serialize",
    "stored_file_delete",
    "stored_file_release",
    "stored_files_sweep_unattached",
    "upload_chunk_receive",
    "upload_session_complete",
    "upload_session_create",
    "upload_sessions_sweep_expired",
    "uploader_check",
    "video_claim",
]
