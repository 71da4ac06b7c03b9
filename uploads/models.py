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
