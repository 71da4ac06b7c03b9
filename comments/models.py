"""Comments: numbered floors per note, soft-deleted so a floor is never reused, and the per-note
pseudonyms that keep a tree hole anonymous."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from treehole import clock
from treehole.ids import SnowflakeField


class Comment(models.Model):
    id = SnowflakeField()
    note = models.ForeignKey("notes.Note", on_delete=models.CASCADE, related_name="comments", verbose_name=_("帖子"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments", verbose_name=_("作者"))
    # 1, 2, 3 … per note, assigned under the note's row lock; the row stays when the comment is
    # deleted, so MAX(floor) never goes down and a floor is never handed out twice.
    floor = models.PositiveIntegerField(_("楼层"))
    content = models.TextField(_("内容"))
    reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("回复"))
    deleted = models.BooleanField(_("已删除"), default=False)
    folded = models.BooleanField(_("已折叠"), default=False)
    held = models.BooleanField(_("待审核"), default=False, help_text=_("待审核的评论只有作者自己能看到"))
    created_at = models.DateTimeField(_("发布时间"), default=clock.now)
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评论")
        verbose_name_plural = _("评论")
        constraints = [models.UniqueConstraint(fields=["note", "floor"], name="comment_floor_unique")]
        indexes = [models.Index(fields=["author", "-created_at"], name="comment_author_new")]

    def __str__(self) -> str:
        return f"#{self.floor}"


class NoteAlias(models.Model):
    """The stable pseudonym of a user in one note (its ``number``-th distinct commenter)."""

    note = models.ForeignKey("notes.Note", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["note", "user"], name="alias_one_per_user"),
            models.UniqueConstraint(fields=["note", "number"], name="alias_number_unique"),
        ]
