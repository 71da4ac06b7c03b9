from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from treehole import clock
from treehole.ids import SnowflakeField


class ImagePurpose(models.TextChoices):
    NOTE = "note", _("帖子图片")
    AVATAR = "avatar", _("头像")


class Image(models.Model):
    """A verified, re-encoded image with its metadata stripped. Stored under a random name so
    neither the path nor the file reveals who uploaded it."""

    id = SnowflakeField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=10, choices=ImagePurpose.choices, default=ImagePurpose.NOTE)
    file = models.FileField(max_length=200)
    thumb = models.FileField(max_length=200)
    content_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    attached = models.BooleanField(default=False, db_index=True)
    created_at = clock.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("图片")
        verbose_name_plural = _("图片")

    @property
    def url(self) -> str:
        return self.file.url

    @property
    def thumb_url(self) -> str:
        return self.thumb.url


class StoredFile(models.Model):
    """A large file (e.g. a video) published by a completed chunked upload session: its bytes
    were checked against the declared size and SHA-256 before this row existed."""

    id = SnowflakeField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(max_length=200)
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    attached = models.BooleanField(default=False, db_index=True)
    created_at = clock.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("文件")
        verbose_name_plural = _("文件")

    @property
    def url(self) -> str:
        return self.file.url


class UploadSessionStatus(models.TextChoices):
    OPEN = "open", _("上传中")
    ASSEMBLING = "assembling", _("合并中")
    COMPLETE = "complete", _("已完成")


class UploadSession(models.Model):
    """A resumable upload of one large file, declared up front (size, type, SHA-256) and sent in
    fixed-size chunks in any order. Chunk bytes live on local disk (settings.UPLOAD_CHUNK_DIR)
    until ``complete`` checks the whole file and publishes it as a StoredFile."""

    id = SnowflakeField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    chunk_size = models.PositiveIntegerField()
    total_chunks = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=UploadSessionStatus.choices, default=UploadSessionStatus.OPEN)
    stored_file = models.ForeignKey(StoredFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = clock.DateTimeField(auto_now_add=True)
    updated_at = clock.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("分片上传")
        verbose_name_plural = _("分片上传")
        indexes = [models.Index(fields=["owner", "status"])]

    @property
    def complete(self) -> bool:
        return self.status == UploadSessionStatus.COMPLETE

    def chunk_length(self, index: int) -> int:
        """Every chunk is ``chunk_size`` bytes except the last, which holds the rest."""
        if index == self.total_chunks - 1:
            return self.size - self.chunk_size * (self.total_chunks - 1)
        return self.chunk_size


class UploadChunk(models.Model):
    """One received chunk, whose bytes matched its ``X-Chunk-SHA256``. The row is written only
    after the bytes are in place on disk, so a row always means a whole, verified chunk."""

    session = models.ForeignKey(UploadSession, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    received_at = clock.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "index"], name="uploads_chunk_session_index")]
