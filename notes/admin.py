"""Admin for categories and notes. Every change of a note goes through notes.services, so Redis
(rankings, cards, counts) follows: hide / unhide / delete are actions and the change form only
edits ``hidden``. An anonymous note's author is never shown, searched, filtered or sorted here: its
"查看作者" link opens moderation's audited author page, one note at a time."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from moderation.admin import AuthorHiddenAdmin, author_reveal_link
from notes import ranking, services
from notes.models import Category, Note, NoteImage, NoteRevision
from treehole.effects import after_commit


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "order", "description")
    list_editable = ("order",)
    search_fields = ("name", "slug")
    ordering = ("order", "id")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        after_commit(ranking.categories_changed)
        if change and {"name", "slug"} & set(form.changed_data):
            messages.info(request, _("分类名称已改：已缓存的帖子卡片会在下次 rebuild_redis 后显示新名称。"))

    def has_delete_permission(self, request, obj=None):
        # A category with notes cannot be deleted (PROTECT); an empty one can.
        return obj is None or not obj.notes.exists()


class NoteImageInline(admin.TabularInline):
    model = NoteImage
    extra = 0
    can_delete = False
    readonly_fields = ("image", "position")

    def has_add_permission(self, request, obj=None):
        return False


class NoteRevisionInline(admin.TabularInline):
    """The note's earlier versions, read-only (a revision has no author field of its own: the
    note's author is shown, or hidden, like everywhere in this admin)."""

    model = NoteRevision
    extra = 0
    can_delete = False
    fields = ("title", "content", "written_at", "edited_at")
    readonly_fields = fields
    ordering = ("-edited_at", "-id")
    verbose_name = _("历史版本")
    verbose_name_plural = _("历史版本（最新的在前）")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Note)
class NoteAdmin(AuthorHiddenAdmin):
    list_display = ("title", "category", "author_shown", "anonymous", "approve", "against", "score", "visits",
                    "comment_count", "hidden", "created_at")
    list_filter = ("category", "hidden", "anonymous")
    search_fields = ("title", "content", "=id")
    list_select_related = ("category", "author")
    ordering = ("-created_at",)
    actions = ["hide", "unhide", "delete_through_service"]
    fields = ("title", "content", "category", "author_shown", "anonymous", "video", "approve", "against", "score",
              "visits", "comment_count", "hidden", "folded", "version", "created_at", "updated_at", "edited_at",
              "poll_shown")
    readonly_fields = tuple(name for name in fields if name != "hidden")
    inlines = [NoteImageInline, NoteRevisionInline]

    @admin.display(description=_("投票"))
    def poll_shown(self, note):
        """The poll's question and counts (never who voted)."""
        from notes.models import Poll

        poll = Poll.objects.filter(note=note).first()
        if poll is None:
            return "—"
        options = "；".join(f"{option.text}：{option.votes}" for option in poll.options.all())
        return f"{poll.question}（{poll.total_voters}）— {options}"

    @admin.display(description=_("作者"))
    def author_shown(self, note):
        return author_reveal_link("note", note.pk) if note.anonymous else note.author.username

    def has_add_permission(self, request):
        return False  # notes are written by members through the site

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a bulk queryset delete would skip Redis
        return actions

    def save_model(self, request, obj, form, change):
        if change and "hidden" in form.changed_data:
            services.note_set_hidden(note_id=obj.pk, hidden=form.cleaned_data["hidden"])

    def delete_model(self, request, obj):
        services.note_delete(note_id=obj.pk, user=request.user)

    def delete_queryset(self, request, queryset):
        for note_id in queryset.values_list("pk", flat=True):
            services.note_delete(note_id=note_id, user=request.user)

    @admin.action(description=_("隐藏所选帖子"))
    def hide(self, request, queryset):
        for note_id in queryset.values_list("pk", flat=True):
            services.note_set_hidden(note_id=note_id, hidden=True)
        messages.success(request, ngettext("已隐藏 %(n)d 篇帖子。", "已隐藏 %(n)d 篇帖子。", queryset.count()) % {"n": queryset.count()})

    @admin.action(description=_("取消隐藏所选帖子"))
    def unhide(self, request, queryset):
        for note_id in queryset.values_list("pk", flat=True):
            services.note_set_hidden(note_id=note_id, hidden=False)
        messages.success(request, ngettext("已恢复 %(n)d 篇帖子。", "已恢复 %(n)d 篇帖子。", queryset.count()) % {"n": queryset.count()})

    @admin.action(description=_("删除所选帖子（连同评论、投票、图片和缓存）"))
    def delete_through_service(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        for note_id in ids:
            services.note_delete(note_id=note_id, user=request.user)
        messages.success(request, ngettext("已删除 %(n)d 篇帖子。", "已删除 %(n)d 篇帖子。", len(ids)) % {"n": len(ids)})
