"""Notifications: what a user is told about their notes, comments, reports and account.

MariaDB is the truth. Two unique constraints make the contract's rules database facts:

- ``(user, event_key)``: one event notifies a user once. ``event_key`` names the event that made
  the row (``c<comment id>`` for a comment or reply, ``m<audit id>`` for a moderation action,
  ``b<ban id>``, ``r<report id>``); a retried delivery inserts nothing new.
- ``(user, fold_key)``: at most one *unread* ``comment`` notification per note and user.
  ``fold_key`` is ``n<note id>`` while such a row is unread and NULL otherwise (MariaDB allows any
  number of NULLs in a unique index), so the fan-out's ``INSERT … ON DUPLICATE KEY UPDATE
  count = count + 1`` folds a new comment into it, and marking it read makes room for the next.

The fan-out of one comment to a note's followers is a :class:`Delivery`: its cursor (the last
follower id written) moves in the same transaction as each batch of rows, so a worker that dies
or a task that runs twice resumes where the committed batches ended and never counts a comment
twice into a folded row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from treehole import clock


class Notification(models.Model):
    class Kind(models.TextChoices):
        COMMENT = "comment", _("新评论")
        REPLY = "reply", _("回复")
        MODERATION = "moderation", _("审核")
        BAN = "ban", _("封禁")
        REPORT_HANDLED = "report_handled", _("举报处理")

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("用户"))
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    # What it is about. A deleted note or comment leaves the notification (the count stays right;
    # it says the content is gone) rather than removing it behind the unread count's back.
    # No database constraint: InnoDB checks one by taking a shared lock on the parent row, so each
    # fan-out batch would hold the note's row while the next comment's transaction waits for its
    # exclusive lock on that very row (comments serialize floors on it). Django's collector still
    # applies SET_NULL when a note or comment is deleted.
    note = models.ForeignKey("notes.Note", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             db_constraint=False, verbose_name=_("帖子"))
    comment = models.ForeignKey("comments.Comment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                db_constraint=False, verbose_name=_("评论"))
    # The actor exactly as the thread shows them (洞主, Alice, or a signed note's username); ""
    # for moderators and the system, who are never named. Never a user id.
    actor_name = models.CharField(_("操作者"), max_length=150, blank=True)
    count = models.PositiveIntegerField(_("条数"), default=1)
    # Moderation: {"action", "reason", "excerpt", "target_type"}; ban: {"until", "reason"};
    # report_handled: {"outcome"}. The text is composed when shown, in the reader's language.
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    event_key = models.CharField(_("事件"), max_length=40)
    fold_key = models.CharField(_("合并键"), max_length=40, null=True, blank=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        constraints = [
            models.UniqueConstraint(fields=["user", "event_key"], name="notification_one_per_event"),
            models.UniqueConstraint(fields=["user", "fold_key"], name="notification_one_unread_fold"),
        ]
        indexes = [
            models.Index(fields=["user", "-updated_at", "-id"], name="notification_user_recent"),
            models.Index(fields=["user", "read_at"], name="notification_user_unread"),
            models.Index(fields=["updated_at"], name="notification_purge"),
            models.Index(fields=["comment"], name="notification_comment"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class Delivery(models.Model):
    """One comment's fan-out to its note's followers, done by the worker in batches."""

    event_key = models.CharField(_("事件"), max_length=40, unique=True)
    note = models.ForeignKey("notes.Note", null=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.ForeignKey("comments.Comment", null=True, on_delete=models.SET_NULL, related_name="+")
    actor_id = models.BigIntegerField()  # the commenter: never notified of their own comment
    actor_name = models.CharField(max_length=150, blank=True)
    reply_to_user_id = models.BigIntegerField(null=True)  # told by a `reply` instead
    cursor = models.BigIntegerField(default=0)  # the last follower id whose row is committed
    reply_done = models.BooleanField(default=False)
    withdrawn = models.BooleanField(default=False)  # the comment was deleted or hidden meanwhile
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("通知投递")
        verbose_name_plural = _("通知投递")
        indexes = [models.Index(fields=["done_at", "created_at"], name="delivery_pending")]
