from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from treehole import clock
from treehole.ids import SnowflakeField


class ChatMessage(models.Model):
    """One message of the chat room. The database is the whole history; Redis keeps only the
    last ``CHAT_RECENT_SIZE`` (``chat/presence.py``). Snowflake ids sort by creation time, so
    history pages are primary-key range scans and the id is the paging cursor."""

    id = SnowflakeField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="+")
    # The length limit is a setting (TREEHOLE_LIMITS["chat_message"]), enforced by the service.
    content = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("时间"), default=clock.now)

    class Meta:
        verbose_name = _("聊天消息")
        verbose_name_plural = _("聊天消息")
        ordering = ["id"]
        indexes = [models.Index(fields=["user", "id"], name="chat_message_user_id")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.content[:30]}"
