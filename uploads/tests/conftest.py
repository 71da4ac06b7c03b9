"""Fixtures for the upload tests: a member who uploads, and a real S3-compatible server (moto in
server mode on a free 127.0.0.1 port) for the S3 backend. MEDIA_ROOT and the chunk folder are the
plugin's per-test ``media_root``."""

from __future__ import annotations

import importlib
import os
import sys
import uuid
from pathlib import Path
from unittest import mock

import pytest


S3_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_S3_REGION_NAME": "us-east-1",
}


@pytest.fixture
def user(author):
    """The member who uploads (the plugin's ``author``)."""
    return author


@pytest.fixture
def other_user(other):
    return other


@pytest.fixture
def uploader(author_client):
    return author_client


def storages_from_settings(env: dict) -> dict:
    """STORAGES exactly as treehole/settings/ builds it from this environment: the settings
    modules are imported afresh (and the loaded ones put back), so the running settings stay."""
    loaded = {name: module for name, module in sys.modules.items() if name.startswith("treehole.settings.")}
    for name in loaded:
        del sys.modules[name]
    try:
        with mock.patch.dict(os.environ, env):
            return importlib.import_module("treehole.settings.uploads").STORAGES
    finally:
        for name in [name for name in sys.modules if name.startswith("treehole.settings.")]:
            del sys.modules[name]
        sys.modules.update(loaded)
        package = sys.modules["treehole.settings"]
        for name, module in loaded.items():
            setattr(package, name.rsplit(".", 1)[1], module)


@pytest.fixture(scope="session")
def moto_server():
    """A real S3 API on a free local port, for the whole run."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


class Bucket:
    def __init__(self, endpoint: str, name: str):
        import boto3

        self.name = name
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=S3_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_ENV["AWS_SECRET_ACCESS_KEY"],
            region_name=S3_ENV["AWS_S3_REGION_NAME"],
        )
        self.client.create_bucket(Bucket=name)

    def keys(self) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def head(self, key: str) -> dict:
        return self.client.head_object(Bucket=self.name, Key=key)


def use_s3(settings, endpoint: str) -> Bucket:
    bucket = Bucket(endpoint, f"treehole-{uuid.uuid4().hex[:12]}")
    settings.STORAGES = storages_from_settings(
        {"STORAGE_BACKEND": "s3", "AWS_STORAGE_BUCKET_NAME": bucket.name, "AWS_S3_ENDPOINT_URL": endpoint, **S3_ENV}
    )
    return bucket


@pytest.fixture
def s3_bucket(settings, moto_server):
    """Switch the default storage to S3 on the moto server, with a fresh bucket."""
    return use_s3(settings, moto_server)


class LocalStore:
    """The local default storage, seen like a bucket: every file stored under MEDIA_ROOT."""

    def __init__(self, root: Path):
        self.root = root

    def keys(self) -> list[str]:
        return sorted(str(p.relative_to(self.root)) for p in self.root.rglob("*") if p.is_file())

    def read(self, key: str) -> bytes:
        return (self.root / key).read_bytes()


@pytest.fixture(params=["local", "s3"])
def store(request, settings):
    """Each flow runs twice: on local disk and on S3 (moto)."""
    if request.param == "s3":
        return use_s3(settings, request.getfixturevalue("moto_server"))
    return LocalStore(Path(settings.MEDIA_ROOT))


def stored_key(store, url: str) -> str:
    """The storage key behind a file URL of either backend."""
    if isinstance(store, LocalStore):
        return url.split("/media/", 1)[1]
    return url.split(f"/{store.name}/", 1)[1]
