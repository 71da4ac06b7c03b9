"""The moderators' workplace: the queue (one row per target, crisis and self-harm first), its
actions (each asks for a reason and closes the target's reports with a result), bans with
history, the read-only audit log, and the lists (sensitive words, crisis phrases, care card).

The author of a case is never shown in lists: "查看作者" opens a page that shows it and records
the look in the audit log (anonymous notes' authors are visible to staff only here)."""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.forms import RevokingAdminPasswordChangeForm
from accounts.models import User
from moderation import services, targets
from moderation.forms import ActionForm, BanForm
from moderation.models import (
    AuditLog,
    BanRecord,
    CareMessage,
    Case,
    CrisisPhrase,
    Hotline,
    Reason,
    Report,
    SensitiveWord,
)
from treehole.errors import DomainError


class StatusFilter(admin.SimpleListFilter):
    """Open cases by default: the queue."""

    title = _("状态")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("open", _("待处理")), ("closed", _("已处理")), ("all", _("全部"))]

    def queryset(self, request, queryset):
        value = self.value() or "open"
        if value == "all":
            return queryset
        return queryset.filter(status=value)

    def choices(self, changelist):
        value = self.value() or "open"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class ReportInline(admin.TabularInline):
    model = Report
    fields = ("reporter", "reason", "text", "status", "outcome", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("target", "flags", "report_count", "reasons", "excerpt", "last_activity_at", "outcome_col", "author_link")
    list_display_links = ("target",)
    list_filter = (StatusFilter, "self_harm", "crisis", "held", "folded", "target_type", "outcome")
    search_fields = ("excerpt",)
    readonly_fields = (
        "target_type", "target_id", "target_text", "author_link", "status", "priority", "report_count", "self_harm",
        "crisis", "held", "folded", "last_activity_at", "outcome", "closed_by", "closed_at", "created_at",
    )
    fields = readonly_fields
    inlines = (ReportInline,)
    actions = ("dismiss", "hide_target", "delete_target", "ban_author", "approve")
    list_per_page = 50

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        from django.db.models import Prefetch

        return super().get_queryset(request).prefetch_related(
            Prefetch("reports", queryset=Report.objects.filter(status=Report.Status.OPEN).only("case_id", "reason"))
        )

    @admin.display(description=_("目标"), ordering="target_type")
    def target(self, case):
        return f"{case.target_type} #{case.target_id}"

    @admin.display(description=_("标记"))
    def flags(self, case):
        labels = []
        if case.self_harm:
            labels.append("⚠ " + str(_("自伤风险")))
        if case.crisis:
            labels.append("♡ " + str(_("危机词")))
        if case.held:
            labels.append(str(_("待审核")))
        if case.folded:
            labels.append(str(_("已折叠")))
        return " · ".join(labels) or "-"

    @admin.display(description=_("举报原因"))
    def reasons(self, case):
        counts: dict[str, int] = {}
        for report in case.reports.all():
            counts[report.reason] = counts.get(report.reason, 0) + 1
        labels = dict(Reason.choices)
        return "，".join(f"{labels.get(r, r)}×{n}" for r, n in counts.items()) or "-"

    @admin.display(description=_("结果"), ordering="outcome")
    def outcome_col(self, case):
        return case.get_outcome_display() if case.outcome else "-"

    @admin.display(description=_("作者"))
    def author_link(self, case):
        url = reverse("admin:moderation_case_author", args=[case.pk])
        return format_html('<a href="{}">{}</a>', url, _("查看作者（记入日志）"))

    @admin.display(description=_("内容"))
    def target_text(self, case):
        kind = targets.kinds().get(case.target_type)
        obj = kind.load(case.target_id) if kind else None
        if obj is None:
            return format_html("<em>{}</em> {}", _("（已不存在）"), case.excerpt)
        url = kind.url(obj)
        text = format_html('<div class="moderation-text">{}</div>', kind.text(obj))
        return format_html('{}<p><a href="{}">{}</a></p>', text, url, _("在站内查看")) if url else text

    # --- the author, audited -------------------------------------------------------------------

    def get_urls(self):
        return [
            path("<int:pk>/author/", self.admin_site.admin_view(self.author_view), name="moderation_case_author"),
            path("author/<str:target_type>/<int:target_id>/", self.admin_site.admin_view(self.target_author_view),
                 name="moderation_target_author"),
            *super().get_urls(),
        ]

    def author_view(self, request, pk):
        case = get_object_or_404(Case, pk=pk)
        return self._author_page(request, case.target_type, case.target_id, case)

    def target_author_view(self, request, target_type, target_id):
        """The same audited page for one note or comment from its own admin list (issue 14 #15)."""
        if target_type not in targets.kinds():
            raise Http404
        case = Case.objects.filter(target_type=target_type, target_id=target_id).first()
        return self._author_page(request, target_type, target_id, case)

    def _author_page(self, request, target_type, target_id, case):
        if not self.has_view_permission(request, case):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        author = services.author_reveal(moderator=request.user, target_type=target_type, target_id=target_id)
        history = BanRecord.objects.filter(user=author).select_related("moderator")[:20] if author else []
        context = {
            **self.admin_site.each_context(request),
            "title": _("内容作者"),
            "case": case,
            "target": f"{target_type} #{target_id}",
            "author": author,
            "history": history,
            "next_ban_days": services.next_ban_days(author) if author else None,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "moderation/admin/author.html", context)

    # --- actions: each confirms with a reason, then calls one service per case ------------------

    def _confirm(self, request, queryset, *, action: str, title, form_class, apply, form_kwargs=None):
        form_kwargs = form_kwargs or {}
        if request.POST.get("apply"):
            form = form_class(request.POST, **form_kwargs)
            if form.is_valid():
                done, failed = 0, []
                for case in queryset:
                    try:
                        with transaction.atomic():
                            apply(case, form)
                        done += 1
                    except DomainError as exc:
                        failed.append(f"{case}: {exc.message}")
                if done:
                    messages.success(request, _("已处理 %(n)d 条。") % {"n": done})
                for failure in failed:
                    messages.error(request, failure)
                return None
        else:
            form = form_class(**form_kwargs)
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "queryset": queryset,
            "form": form,
            "action": action,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "moderation/admin/confirm_action.html", context)

    @admin.action(description=_("驳回举报（内容无问题）"))
    def dismiss(self, request, queryset):
        return self._confirm(
            request, queryset, action="dismiss", title=_("驳回举报"), form_class=ActionForm,
            apply=lambda case, form: services.case_dismiss(case=case, moderator=request.user, reason=form.cleaned_data["reason"]),
        )

    @admin.action(description=_("隐藏内容"))
    def hide_target(self, request, queryset):
        return self._confirm(
            request, queryset, action="hide_target", title=_("隐藏内容"), form_class=ActionForm,
            apply=lambda case, form: services.case_hide(case=case, moderator=request.user, reason=form.cleaned_data["reason"]),
        )

    @admin.action(description=_("删除内容"))
    def delete_target(self, request, queryset):
        return self._confirm(
            request, queryset, action="delete_target", title=_("删除内容"), form_class=ActionForm,
            apply=lambda case, form: services.case_delete(case=case, moderator=request.user, reason=form.cleaned_data["reason"]),
        )

    @admin.action(description=_("通过审核（待审内容对所有人可见）"))
    def approve(self, request, queryset):
        return self._confirm(
            request, queryset, action="approve", title=_("通过审核"), form_class=ActionForm,
            apply=lambda case, form: services.case_approve(case=case, moderator=request.user, reason=form.cleaned_data["reason"]),
        )

    @admin.action(description=_("封禁作者（1/3/7/30 天或永久）并隐藏内容"))
    def ban_author(self, request, queryset):
        # The default length: one step longer than the longest previous ban of (the first) author.
        first = queryset.exclude(author=None).select_related("author").first()
        default = services.next_ban_days(first.author) if first else services.ban_steps()[0]
        return self._confirm(
            request, queryset, action="ban_author", title=_("封禁作者"), form_class=BanForm,
            form_kwargs={"steps": services.ban_steps(), "default": default},
            apply=lambda case, form: services.case_ban_author(
                case=case, moderator=request.user, days=form.cleaned_days(), reason=form.cleaned_data["reason"]
            ),
        )


def author_reveal_link(target_type: str, target_id: int):
    """The only way an admin list shows who wrote something that may be anonymous: a link to the
    audited author page (every look is in the audit log)."""
    url = reverse("admin:moderation_target_author", args=[target_type, target_id])
    return format_html('<a href="{}">{}</a>', url, _("查看作者（记入日志）"))


class AuthorHiddenAdmin(admin.ModelAdmin):
    """For the admin of content that may be anonymous: no filtering or ordering by its author
    through the URL (``?author=5`` would list a member's anonymous posts without an audit entry)."""

    author_lookups: tuple[str, ...] = ("author",)

    def lookup_allowed(self, lookup, value, request=None):
        if any(lookup == name or lookup.startswith((f"{name}__", f"{name}_id")) for name in self.author_lookups):
            return False
        return super().lookup_allowed(lookup, value, request)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("id", "target_type", "target_id", "reason", "reporter", "status", "outcome", "created_at")
    list_filter = ("status", "reason", "target_type", "outcome")
    raw_id_fields = ("reporter", "case")
    search_fields = ("=target_id", "reporter__username")


@admin.register(BanRecord)
class BanRecordAdmin(ReadOnlyAdmin):
    # No case column or field: "user X was banned over case N" would name the author of N's
    # (possibly anonymous) content without the audited look.
    list_display = ("user", "days", "until", "moderator", "reason", "created_at")
    fields = ("user", "days", "until", "moderator", "reason", "created_at")
    search_fields = ("user__username",)
    list_select_related = ("user", "moderator")

    def lookup_allowed(self, lookup, value, request=None):
        return not lookup.startswith("case") and super().lookup_allowed(lookup, value, request)


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    """Entries about a note, comment or message never show the user they concern: a reveal or a
    ban entry would otherwise hand every reader of the log the author that one moderator looked
    up. The audited author page shows it again (and logs that look)."""

    list_display = ("created_at", "actor", "action", "target_type", "target_id", "concerned_user", "reason")
    list_filter = ("action", "target_type")
    search_fields = ("=target_id", "actor__username", "reason")
    list_select_related = ("actor", "target_user")

    def get_fields(self, request, obj=None):
        return ("created_at", "actor", "action", "target_type", "target_id", "concerned_user", "reason", "detail")

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def lookup_allowed(self, lookup, value, request=None):
        return not lookup.startswith("target_user") and super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("相关用户"))
    def concerned_user(self, entry):
        if entry.target_id is not None and entry.target_type in targets.kinds():
            return author_reveal_link(entry.target_type, entry.target_id)
        return entry.target_user or "-"


# --- lists: every save or delete is audited and reaches every process within seconds -------------


class ListAdmin(admin.ModelAdmin):
    audit_action = AuditLog.Action.WORDS_CHANGED

    def _changed(self, request, what: str, objs):
        services.lists_changed(
            actor=request.user, action=self.audit_action,
            detail={"model": self.model._meta.model_name, "change": what, "items": [str(o) for o in objs][:50]},
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._changed(request, "change" if change else "add", [obj])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._changed(request, "delete", [obj])

    def delete_queryset(self, request, queryset):
        objs = list(queryset)
        super().delete_queryset(request, queryset)
        self._changed(request, "delete", objs)


class SensitiveWordForm(forms.ModelForm):
    class Meta:
        model = SensitiveWord
        fields = ("pattern", "is_regex", "action", "enabled", "note")

    def clean(self):
        cleaned = super().clean()
        pattern = (cleaned.get("pattern") or "").strip()
        if not pattern:
            return cleaned
        cleaned["pattern"] = pattern
        if cleaned.get("is_regex"):
            try:
                compiled = re.compile(pattern)
            except re.error as exc:
                raise forms.ValidationError({"pattern": _("不是有效的正则表达式：%(e)s") % {"e": exc}}) from exc
            if compiled.match(""):
                raise forms.ValidationError({"pattern": _("这个正则能匹配空字符串，会命中所有内容。")})
        return cleaned


@admin.register(SensitiveWord)
class SensitiveWordAdmin(ListAdmin):
    form = SensitiveWordForm
    list_display = ("pattern", "is_regex", "action", "enabled", "note", "updated_at")
    list_editable = ("action", "enabled")
    list_filter = ("action", "is_regex", "enabled")
    search_fields = ("pattern", "note")
    actions = ("enable", "disable")

    @admin.action(description=_("启用"))
    def enable(self, request, queryset):
        objs = list(queryset)
        queryset.update(enabled=True)
        self._changed(request, "enable", objs)

    @admin.action(description=_("停用"))
    def disable(self, request, queryset):
        objs = list(queryset)
        queryset.update(enabled=False)
        self._changed(request, "disable", objs)


@admin.register(CrisisPhrase)
class CrisisPhraseAdmin(ListAdmin):
    audit_action = AuditLog.Action.CARE_CHANGED
    list_display = ("phrase", "exception", "enabled", "note")
    list_editable = ("enabled",)
    list_filter = ("exception", "enabled")
    search_fields = ("phrase", "note")


@admin.register(CareMessage)
class CareMessageAdmin(ListAdmin):
    audit_action = AuditLog.Action.CARE_CHANGED
    list_display = ("title", "language", "enabled")


@admin.register(Hotline)
class HotlineAdmin(ListAdmin):
    audit_action = AuditLog.Action.CARE_CHANGED
    list_display = ("name", "name_en", "phone", "hours", "order", "enabled")
    list_editable = ("order", "enabled")


# --- users: the user admin lives here because its ban actions are moderation's (ban record, audit) --


def _ban_action(days):
    def action(modeladmin, request, queryset):
        done = 0
        for user in queryset:
            try:
                services.user_ban(user=user, moderator=request.user, days=days, reason=str(_("用户管理页操作")))
                done += 1
            except DomainError as exc:
                messages.error(request, f"{user}: {exc.message}")
        messages.success(request, _("已封禁 %(n)d 个用户。") % {"n": done})

    action.__name__ = f"ban_{days or 'forever'}"
    action.short_description = _("封禁 %(d)s") % {"d": _("永久") if days is None else _("%(n)d 天") % {"n": days}}
    return action


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    # Setting a member's password revokes their tokens and sockets too (issue 14: every door).
    change_password_form = RevokingAdminPasswordChangeForm
    list_display = ("username", "email", "is_staff", "is_banned", "banned_until", "date_joined", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "is_banned", "gender")
    search_fields = ("username", "email")
    ordering = ("-date_joined",)
    # A ban is set only by the actions (moderation's user_ban: ban record, audit row, tokens and
    # sessions revoked), never by editing the two fields.
    readonly_fields = ("is_banned", "banned_until", "token_version", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "email", "password")}),
        (_("资料"), {"fields": ("avatar", "gender", "age", "bio")}),
        (_("封禁"), {"fields": ("is_banned", "banned_until", "token_version")}),
        (_("权限"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("时间"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "email", "password1", "password2")}),)
    raw_id_fields = ("avatar",)
    actions = [_ban_action(1), _ban_action(3), _ban_action(7), _ban_action(30), _ban_action(None), "unban"]

    def get_deleted_objects(self, objs, request):
        # Django's confirmation lists every row that goes with the user by name, their anonymous
        # notes and comments among them: show only how many of each kind.
        _listed, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        return [str(user) for user in objs], model_count, perms_needed, protected

    @admin.action(description=_("解除封禁"))
    def unban(self, request, queryset):
        for user in queryset:
            services.user_unban(user=user, moderator=request.user)
        messages.success(request, _("已解除 %(n)d 个用户的封禁。") % {"n": queryset.count()})
