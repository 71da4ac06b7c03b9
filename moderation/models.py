"""Moderation: reports, the moderators' queue (one case per reported/held/crisis target), bans,
the audit log, the sensitive-word list and the care (crisis) resources.

Targets are referred to by ``(target_type, target_id)`` — the names registered in
``moderation/targets.py`` — never by a foreign key, so a new reportable kind needs no migration
here, and a deleted target leaves its reports and audit rows intact.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from treehole import clock
from treehole.ids import SnowflakeField


class Reason(models.TextChoices):
    SPAM = "spam", _("垃圾广告")
    ABUSE = "abuse", _("辱骂攻击")
    SELF_HARM = "self_harm", _("自伤风险")
    PRIVACY = "privacy", _("泄露隐私")
    ILLEGAL = "illegal", _("违法内容")
    OTHER = "other", _("其他")


class Outcome(models.TextChoices):
    """How a case (and so each of its reports) was closed."""

    DISMISSED = "dismissed", _("经审核未违规")
    HIDDEN = "hidden", _("内容已隐藏")
    DELETED = "deleted", _("内容已删除")
    BANNED = "banned", _("作者已被封禁")
    APPROVED = "approved", _("内容已通过审核")


class ReporterOutcome(models.TextChoices):
    """All a reporter is told about their report: that something was done, or that nothing was
    wrong — never what or to whom (an outcome "banned" would tell them the anonymous author of
    what they reported was banned, and so link that author to their other sanctions)."""

    HANDLED = "handled", _("已处理")
    NO_VIOLATION = "no_violation", _("未发现违规")


REPORTER_OUTCOMES = {
    Outcome.DISMISSED: ReporterOutcome.NO_VIOLATION,
    Outcome.APPROVED: ReporterOutcome.NO_VIOLATION,
    Outcome.HIDDEN: ReporterOutcome.HANDLED,
    Outcome.DELETED: ReporterOutcome.HANDLED,
    Outcome.BANNED: ReporterOutcome.HANDLED,
}


class Case(models.Model):
    """One entry of the moderators' queue: everything open about one target. Reports, a held
    post and a crisis-phrase match all open (or join) the target's case; an action closes it."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        CLOSED = "closed", _("已处理")

    # Queue order: crisis/self-harm first, then held content, then the most reported, newest.
    PRIORITY_CARE = 2
    PRIORITY_HELD = 1
    PRIORITY_NORMAL = 0

    target_type = models.CharField(_("类型"), max_length=20)
    target_id = models.BigIntegerField(_("目标 ID"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("作者"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    excerpt = models.CharField(_("内容摘要"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    priority = models.PositiveSmallIntegerField(_("优先级"), default=PRIORITY_NORMAL)
    report_count = models.PositiveIntegerField(_("举报人数"), default=0)
    self_harm = models.BooleanField(_("自伤风险举报"), default=False)
    crisis = models.BooleanField(_("含危机词"), default=False)
    held = models.BooleanField(_("待审核（敏感词）"), default=False)
    folded = models.BooleanField(_("已自动折叠"), default=False)
    last_activity_at = models.DateTimeField(_("最近举报/触发"), default=clock.now)
    outcome = models.CharField(_("处理结果"), max_length=12, choices=Outcome.choices, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    class Meta:
        verbose_name = _("审核队列")
        verbose_name_plural = _("审核队列")
        ordering = ("-priority", "-report_count", "-last_activity_at", "-id")
        constraints = [models.UniqueConstraint(fields=["target_type", "target_id"], name="case_one_per_target")]
        indexes = [models.Index(fields=["status", "-priority", "-report_count", "-last_activity_at"], name="case_queue")]

    def __str__(self) -> str:
        return f"{self.target_type}:{self.target_id}"


class Report(models.Model):
    """One user's report of one target (a second report of the same target is a 409)."""

    class Status(models.TextChoices):
        OPEN = "open", _("处理中")
        CLOSED = "closed", _("已处理")

    id = SnowflakeField()
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("举报人"), on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, verbose_name=_("审核队列"), on_delete=models.CASCADE, related_name="reports")
    target_type = models.CharField(_("类型"), max_length=20)
    target_id = models.BigIntegerField(_("目标 ID"))
    reason = models.CharField(_("原因"), max_length=12, choices=Reason.choices)
    text = models.CharField(_("补充说明"), max_length=500, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(_("处理结果"), max_length=12, choices=Outcome.choices, blank=True)
    excerpt = models.CharField(_("内容摘要"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("举报时间"), default=clock.now)
    closed_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    @property
    def reporter_outcome(self) -> ReporterOutcome | None:
        """What its reporter may see of the outcome (None while open)."""
        return REPORTER_OUTCOMES.get(self.outcome) if self.outcome else None

    class Meta:
        verbose_name = _("举报")
        verbose_name_plural = _("举报")
        ordering = ("-id",)
        constraints = [
            models.UniqueConstraint(fields=["reporter", "target_type", "target_id"], name="report_one_per_user_target")
        ]
        indexes = [models.Index(fields=["reporter", "-id"], name="report_mine")]


class BanRecord(models.Model):
    """The history of a user's bans: the next ban defaults to the step after the last one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="+")
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    days = models.PositiveIntegerField(_("天数"), null=True, blank=True, help_text=_("留空表示永久"))
    until = models.DateTimeField(_("封禁至"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    case = models.ForeignKey(Case, verbose_name=_("审核队列"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("时间"), default=clock.now)

    class Meta:
        verbose_name = _("封禁记录")
        verbose_name_plural = _("封禁记录")
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["user", "-created_at"], name="ban_user_latest")]


class AuditLog(models.Model):
    """Every moderation action and every look at the real author of an anonymous post."""

    class Action(models.TextChoices):
        FOLD = "fold", _("自动折叠")
        UNFOLD = "unfold", _("取消折叠")
        DISMISS = "dismiss", _("驳回举报")
        HIDE = "hide", _("隐藏内容")
        DELETE = "delete", _("删除内容")
        BAN = "ban", _("封禁作者")
        UNBAN = "unban", _("解除封禁")
        APPROVE = "approve", _("通过审核")
        HOLD = "hold", _("敏感词待审")
        REVEAL_AUTHOR = "reveal_author", _("查看匿名作者")
        WORDS_CHANGED = "words_changed", _("修改敏感词")
        CARE_CHANGED = "care_changed", _("修改关怀设置")
        STAFF_LOGIN = "staff_login", _("工作人员登录")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    target_type = models.CharField(_("类型"), max_length=20, blank=True)
    target_id = models.BigIntegerField(_("目标 ID"), null=True, blank=True)
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("相关用户"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), default=clock.now, db_index=True)

    class Meta:
        verbose_name = _("审核日志")
        verbose_name_plural = _("审核日志")
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.target_type}:{self.target_id}"


class WordAction(models.TextChoices):
    BLOCK = "block", _("拒绝发布")
    MASK = "mask", _("用 * 遮盖")
    HOLD = "hold", _("先审后发")


class SensitiveWord(models.Model):
    pattern = models.CharField(_("词语或正则"), max_length=200)
    is_regex = models.BooleanField(_("正则表达式"), default=False)
    action = models.CharField(_("处理方式"), max_length=8, choices=WordAction.choices, default=WordAction.BLOCK)
    enabled = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    updated_at = clock.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("敏感词")
        verbose_name_plural = _("敏感词")
        ordering = ("pattern",)
        constraints = [models.UniqueConstraint(fields=["pattern", "is_regex"], name="sensitive_word_unique")]

    def __str__(self) -> str:
        return self.pattern


class CrisisPhrase(models.Model):
    """A phrase (e.g. 不想活了) that shows the calm help card; nothing is blocked by it.

    Matched in the care-normalised text (moderation/care.py: case, width, traditional characters
    and separators such as "想 死" / "自.杀" folded away). ``a+b`` means both parts within a short
    span ("安眠药+攒"). An *exception* is a common phrase that contains a crisis phrase without
    meaning it ("想死你了" = "I miss you so much"): a match inside one does not count."""

    phrase = models.CharField(_("危机词"), max_length=100, unique=True)
    enabled = models.BooleanField(_("启用"), default=True)
    exception = models.BooleanField(
        _("例外说法"), default=False, help_text=_("包含危机词但不是危机的常见说法，例如“想死你了”")
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("危机词")
        verbose_name_plural = _("危机词")
        ordering = ("phrase",)

    def __str__(self) -> str:
        return self.phrase


class CareMessage(models.Model):
    """The text of the care card, one per language (the first enabled row of the page's
    language, else of the site's default language)."""

    language = models.CharField(_("语言"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    title = models.CharField(_("标题"), max_length=100, default=_("你并不孤单"))
    body = models.TextField(
        _("正文"),
        default=_("看起来你最近很辛苦。愿意的话，可以和信任的人聊聊，或者拨打下面的热线，那里有人愿意听你说。"),
    )
    enabled = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("关怀卡片文字")
        verbose_name_plural = _("关怀卡片文字")

    def __str__(self) -> str:
        return self.title


class Hotline(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    phone = models.CharField(_("电话"), max_length=50)
    hours = models.CharField(_("服务时间"), max_length=100, blank=True)
    hours_en = models.CharField(_("服务时间（英文）"), max_length=100, blank=True)
    order = models.PositiveIntegerField(_("排序"), default=0)
    enabled = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("援助热线")
        verbose_name_plural = _("援助热线")
        ordering = ("order", "id")

    def __str__(self) -> str:
        return f"{self.name} {self.phone}"
