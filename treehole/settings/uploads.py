"""Uploads and storage (local disk or S3)."""

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .base import BASE_DIR, STORAGES, env
from .ratelimits import RATE_LIMITS

# --- Uploads (issue: uploads) -------------------------------------------------------------------
# Every file goes through Django's storage API (STORAGES["default"]): local disk under MEDIA_ROOT
# by default; STORAGE_BACKEND=s3 moves every upload to an S3-compatible service (AWS S3, MinIO,
# Aliyun OSS, ...) through django-storages + boto3 without a code change. See docs/uploads.md.
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local")
if STORAGE_BACKEND == "s3":
    from boto3.s3.transfer import TransferConfig

    # Large files go up in multipart parts; at most max_in_memory_upload_chunks parts are buffered,
    # so the memory of publishing a file is bounded whatever its size.
    _s3_transfer = TransferConfig(
        multipart_threshold=env.int("AWS_S3_MULTIPART_BYTES", default=8 * 1024 * 1024),
        multipart_chunksize=env.int("AWS_S3_MULTIPART_BYTES", default=8 * 1024 * 1024),
        max_concurrency=env.int("AWS_S3_MAX_CONCURRENCY", default=4),
    )
    _s3_transfer.max_in_memory_upload_chunks = env.int("AWS_S3_MAX_CONCURRENCY", default=4)
    if not env.str("AWS_STORAGE_BUCKET_NAME", default=""):
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME (and usually AWS_S3_ENDPOINT_URL).")
    STORAGES = {
        **STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
                "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
                "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
                "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
                "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
                "custom_domain": env.str("AWS_S3_CUSTOM_DOMAIN", default="") or None,
                "location": env.str("AWS_LOCATION", default=""),
                "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,
                "signature_version": env.str("AWS_S3_SIGNATURE_VERSION", default="s3v4"),
                # Public, stable URLs (bucket policy or CDN allows reading): a signed URL would
                # expire inside cached note cards. Set true for a private bucket.
                "querystring_auth": env.bool("AWS_QUERYSTRING_AUTH", default=False),
                # Names are 128 random bits: skip the HEAD request that avoids overwriting.
                "file_overwrite": True,
                "transfer_config": _s3_transfer,
            },
        },
    }
elif STORAGE_BACKEND != "local":
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'local' or 's3', not {STORAGE_BACKEND!r}.")

# Chunks of resumable uploads stay on this machine's disk until `complete` (outside MEDIA_ROOT, so
# a half-uploaded file is never served). With several app hosts this must be a shared volume.
UPLOAD_CHUNK_DIR = Path(env.str("UPLOAD_CHUNK_DIR", default=str(BASE_DIR / "tmp" / "upload-chunks")))
# 5 MiB = S3's smallest multipart part; a chunk is streamed from the request, never held whole.
UPLOAD_CHUNK_BYTES = env.int("UPLOAD_CHUNK_BYTES", default=5 * 1024 * 1024)
UPLOAD_SESSION_TTL = timedelta(seconds=env.int("UPLOAD_SESSION_TTL_SECONDS", default=24 * 3600))
UPLOAD_SESSIONS_PER_USER = env.int("UPLOAD_SESSIONS_PER_USER", default=3)  # unfinished at once
UPLOAD_UNATTACHED_TTL = timedelta(seconds=env.int("UPLOAD_UNATTACHED_TTL_SECONDS", default=24 * 3600))
# What a chunked upload may be (checked against the file's own bytes, not only the declared type).
UPLOAD_SESSION_CONTENT_TYPES = env.list(
    "UPLOAD_SESSION_CONTENT_TYPES", default=["video/mp4", "video/webm", "video/ogg", "video/quicktime"]
)
RATE_LIMITS["upload_chunk"] = (
    env.float("RATE_UPLOAD_CHUNK_PER_SECOND", default=10),
    env.float("RATE_UPLOAD_CHUNK_BURST", default=200),
)

