from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

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
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("文件")
        verbose_name_plural = _("文件")

    @property
    def url(self) -> str:
        return self.file.url
