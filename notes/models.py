"""Notes: categories, notes, votes and the images attached to a note.

Counters (approve, against, score, visits, comment_count) live here and are the truth; Redis holds
a rebuildable copy (notes/ranking.py). Every change goes through notes/services, never a bare
``save()``, so the ranking follows. ``version`` grows with every change of what Redis caches, so a
late or reordered Redis write can tell that it is older than what is already there.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from treehole import clock
from treehole.ids import SnowflakeField


class Category(models.Model):
    slug = models.SlugField(_("标识"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=30)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    order = models.PositiveIntegerField(_("排序"), default=0, help_text=_("小的排在前面"))

    class Meta:
        ordering = ("order", "id")
        verbose_name = _("分类")
        verbose_name_plural = _("分类")

    def __str__(self) -> str:
        return self.name


class NoteSequence(models.Model):
    """The last public number handed out (one row, ``name="note"``). Taking a number increments
    this row inside the note's transaction: the row lock makes concurrent posts queue for it, so
    numbers are distinct and consecutive, a rolled-back post gives its number back, and a deleted
    note's number is never handed out again (the counter never goes down, unlike ``MAX(number)``)."""

    name = models.CharField(max_length=30, primary_key=True)
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("编号计数")
        verbose_name_plural = _("编号计数")


class Note(models.Model):
    id = SnowflakeField()
    # The short public number (#1234), in publishing order (notes.services.numbers).
    number = models.PositiveIntegerField(_("编号"), unique=True, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notes")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="notes", verbose_name=_("分类"))
    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("内容"))
    anonymous = models.BooleanField(_("匿名"), default=True)
    video = models.ForeignKey(
        "uploads.StoredFile", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("视频")
    )
    approve = models.PositiveIntegerField(_("赞成"), default=0)
    against = models.PositiveIntegerField(_("反对"), default=0)
    # created_at in whole seconds + VOTE_WEIGHT x (net votes cast within the vote window).
    score = models.BigIntegerField(_("热度"), default=0)
    visits = models.PositiveBigIntegerField(_("浏览"), default=0)
    comment_count = models.PositiveIntegerField(_("评论数"), default=0)
    hidden = models.BooleanField(_("已隐藏"), default=False, help_text=_("隐藏的帖子只有管理员能看到"))
    folded = models.BooleanField(_("已折叠"), default=False)
    # Held by the sensitive-word filter: saved, but (like hidden) out of every list and visible
    # only to its author and staff until a moderator approves it.
    held = models.BooleanField(_("待审核"), default=False)
    # The author's own warning ("自伤", "剧透"): lists and the page fold the note behind it for
    # readers who keep the default (NoteFilter.fold_warnings).
    content_warning = models.CharField(_("内容提醒"), max_length=30, blank=True, default="")
    version = models.PositiveBigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("发布时间"), default=clock.now)
    updated_at = models.DateTimeField(_("修改时间"), default=clock.now)
    # The last edit of the title or the content (the earlier text is a NoteRevision); null: never.
    edited_at = models.DateTimeField(_("编辑时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("帖子")
        verbose_name_plural = _("帖子")
        indexes = [
            # The database side of every ranking: the same order as Redis, deeper pages included.
            models.Index(fields=["hidden", "-score", "-id"], name="note_hot"),
            models.Index(fields=["hidden", "-created_at", "-id"], name="note_new"),
            models.Index(fields=["hidden", "category", "-score", "-id"], name="note_cat_hot"),
            models.Index(fields=["hidden", "category", "-created_at", "-id"], name="note_cat_new"),
            models.Index(fields=["author", "-created_at", "-id"], name="note_author_new"),
        ]

    def __str__(self) -> str:
        return self.title


class NoteImage(models.Model):
    """An uploaded image on a note, in the author's order."""

    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="note_images")
    image = models.OneToOneField("uploads.Image", on_delete=models.CASCADE, related_name="note_link")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")
        constraints = [models.UniqueConstraint(fields=["note", "position"], name="note_image_position")]


class Vote(models.Model):
    """One row per (user, note). ``value`` is the current vote (counted in approve/against);
    ``scored_value`` is the vote as it stood when the window closed (or now, inside the window):
    the score is recomputed from it, so a change after the window moves the counts, not the score."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField(default=0)
    scored_value = models.SmallIntegerField(default=0)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "note"], name="vote_one_per_user_note")]


class Follow(models.Model):
    """A user following a note (关注): new comments on it notify them (the notifications app reads
    these rows), and "我的关注" lists it. The author follows their note from its creation and a
    commenter on their first comment; anyone may follow or unfollow later."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("用户"))
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="follows", verbose_name=_("帖子"))
    created_at = models.DateTimeField(_("关注时间"), default=clock.now)
    # When the follower last opened the note: "我的关注" counts the floors added after it.
    seen_at = models.DateTimeField(_("上次查看"), default=clock.now)

    class Meta:
        verbose_name = _("关注")
        verbose_name_plural = _("关注")
        constraints = [models.UniqueConstraint(fields=["user", "note"], name="follow_one_per_user_note")]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="follow_user_recent"),
            # The fan-out walks a note's followers in user order, a batch at a time.
            models.Index(fields=["note", "user"], name="follow_note_user"),
        ]


class Bookmark(models.Model):
    """A private bookmark (收藏): listed in "我的收藏", never notifies anyone."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("用户"))
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="bookmarks", verbose_name=_("帖子"))
    created_at = models.DateTimeField(_("收藏时间"), default=clock.now)

    class Meta:
        verbose_name = _("收藏")
        verbose_name_plural = _("收藏")
        constraints = [models.UniqueConstraint(fields=["user", "note"], name="bookmark_one_per_user_note")]
        indexes = [models.Index(fields=["user", "-created_at", "-id"], name="bookmark_user_recent")]


class NoteRevision(models.Model):
    """A note's title and content as they were before an edit replaced them. Anyone may read a
    note's revisions; they name no author (the note says who wrote it, or that 洞主 did)."""

    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("帖子"))
    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("内容"))
    # When this text was first shown (the note's creation or the edit before) and when an edit
    # replaced it.
    written_at = models.DateTimeField(_("发布时间"))
    edited_at = models.DateTimeField(_("被修改时间"), default=clock.now)

    class Meta:
        verbose_name = _("历史版本")
        verbose_name_plural = _("历史版本")
        indexes = [models.Index(fields=["note", "-edited_at", "-id"], name="revision_note_recent")]


class Poll(models.Model):
    """A note's poll (at most one, made with the note and unchanged afterwards). The counters
    (``total_voters`` here, ``PollOption.votes``) are the truth Redis copies; ``poll_recount``
    recomputes them from the ballots. ``version`` grows with every ballot, so a late Redis write
    cannot overwrite newer counts."""

    note = models.OneToOneField(Note, on_delete=models.CASCADE, primary_key=True, related_name="poll", verbose_name=_("帖子"))
    question = models.CharField(_("问题"), max_length=200)
    multiple = models.BooleanField(_("多选"), default=False)
    closes_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    total_voters = models.PositiveIntegerField(_("投票人数"), default=0)
    version = models.PositiveBigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    class Meta:
        verbose_name = _("投票")
        verbose_name_plural = _("投票")

    def __str__(self) -> str:
        return self.question


class PollOption(models.Model):
    id = SnowflakeField()
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options", verbose_name=_("投票"))
    position = models.PositiveSmallIntegerField(_("顺序"))
    text = models.CharField(_("选项"), max_length=100)
    votes = models.PositiveIntegerField(_("票数"), default=0)

    class Meta:
        ordering = ("position",)
        verbose_name = _("投票选项")
        verbose_name_plural = _("投票选项")
        constraints = [models.UniqueConstraint(fields=["poll", "position"], name="poll_option_position")]

    def __str__(self) -> str:
        return self.text


class PollBallot(models.Model):
    """One user's ballot in one poll (changeable until the poll closes); its choices are rows."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ballots")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["poll", "user"], name="poll_one_ballot_per_user")]


class PollChoice(models.Model):
    ballot = models.ForeignKey(PollBallot, on_delete=models.CASCADE, related_name="choices")
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ballot", "option"], name="poll_choice_once")]


class NoteFilter(models.Model):
    """A reader's personal filters (屏蔽): categories and keywords muted from their own feeds and
    search, and whether notes with a content warning fold. Only the reader sees or uses them;
    nothing here concerns who wrote a note (no user-blocking, which could unmask an anonymous
    author by what disappears)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="note_filter", verbose_name=_("用户"))
    muted_categories = models.JSONField(_("屏蔽的分类"), default=list, blank=True)  # category slugs
    muted_keywords = models.JSONField(_("屏蔽的关键词"), default=list, blank=True)
    fold_warnings = models.BooleanField(_("折叠有内容提醒的帖子"), default=True)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("个人屏蔽")
        verbose_name_plural = _("个人屏蔽")
