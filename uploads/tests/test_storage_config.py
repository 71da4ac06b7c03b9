"""STORAGES follows the environment: local disk by default, S3-compatible storage with
STORAGE_BACKEND=s3 (the flows themselves run on both backends in test_images/test_sessions)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from uploads.tests.conftest import S3_ENV, storages_from_settings


def test_local_disk_is_the_default():
    storages = storages_from_settings({"STORAGE_BACKEND": "local"})
    assert storages["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_s3_from_the_environment():
    storages = storages_from_settings(
        {
            "STORAGE_BACKEND": "s3",
            "AWS_STORAGE_BUCKET_NAME": "treehole-media",
            "AWS_S3_ENDPOINT_URL": "https://oss-cn-hangzhou.aliyuncs.com",
            "AWS_S3_CUSTOM_DOMAIN": "media.example.com",
            **S3_ENV,
        }
    )
    default = storages["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    options = default["OPTIONS"]
    assert options["bucket_name"] == "treehole-media"
    assert options["endpoint_url"] == "https://oss-cn-hangzhou.aliyuncs.com"
    assert options["custom_domain"] == "media.example.com"
    assert options["querystring_auth"] is False
    assert options["transfer_config"].multipart_chunksize == 8 * 1024 * 1024
    assert "staticfiles" in storages  # only the default storage moves


def test_s3_without_a_bucket_and_unknown_backends_fail_loudly():
    with pytest.raises(ImproperlyConfigured):
        storages_from_settings({"STORAGE_BACKEND": "s3", "AWS_STORAGE_BUCKET_NAME": ""})
    with pytest.raises(ImproperlyConfigured):
        storages_from_settings({"STORAGE_BACKEND": "ftp"})
