from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from comments import services
from comments.models import Comment
from moderation.admin import AuthorHiddenAdmin, author_reveal_link
from moderation.filters import screen_text
from treehole.errors import DomainError
from treehole.text import TextField, TextKind


class CommentAdminForm(forms.ModelForm):
    """The content field as the comment form has it (normalised, limited), and refused here when
    the sensitive-word filter blocks it, so the moderator sees why instead of an error page."""

    content = TextField(
        kind=TextKind.PROSE, label=_("内容"), max_length=settings.TREEHOLE_LIMITS["comment_content"],
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    class Meta:
        model = Comment
        fields = ("content", "folded", "held")

    def clean_content(self):
        content = self.cleaned_data["content"]
        if "content" in self.changed_data:
            try:
                screen_text(content, field="content")
            except DomainError as exc:
                raise forms.ValidationError(
                    (exc.fields or {}).get("content", [exc.message])[0], code="blocked"
                ) from None
        return content


@admin.register(Comment)
class CommentAdmin(AuthorHiddenAdmin):
    """A comment under an anonymous note is anonymous too (an alias): its author is never shown,
    searched, filtered or sorted here; "查看作者" opens moderation's audited author page. Changes
    go through the services so the Redis thread stays right: an edited text is screened by the
    word filter like a new comment (``comment_edit``), the flags through ``comment_set_flags``."""

    form = CommentAdminForm

    list_display = ("id", "note", "floor", "author_shown", "short_content", "deleted", "folded", "held", "created_at")
    list_filter = ("deleted", "folded", "held")
    search_fields = ("content", "=note__id")
    list_select_related = ("note", "author")
    raw_id_fields = ("note", "reply_to")
    readonly_fields = ("note", "author_shown", "floor", "reply_to", "created_at", "deleted_at", "deleted")
    fields = ("note", "floor", "author_shown", "reply_to", "content", "deleted", "folded", "held", "created_at", "deleted_at")

    @admin.display(description=_("作者"))
    def author_shown(self, comment):
        if comment.author_id is None:
            return "-"
        return author_reveal_link("comment", comment.pk) if comment.note.anonymous else comment.author.username
    actions = ("delete_through_service",)
    ordering = ("-created_at",)

    def has_delete_permission(self, request, obj=None):
        return False  # deleting keeps the floor: use the action

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("内容"))
    def short_content(self, obj):
        return obj.content[:60]

    @admin.action(description=_("删除所选评论（保留楼层）"))
    def delete_through_service(self, request, queryset):
        count = 0
        for comment in queryset.filter(deleted=False):
            services.comment_delete(user=request.user, comment_id=comment.pk)
            count += 1
        messages.success(request, _("已删除 %(n)d 条评论。") % {"n": count})

    def save_model(self, request, obj, form, change):
        if "content" in form.changed_data:
            edited = services.comment_edit(comment_id=obj.pk, content=form.cleaned_data["content"])
            obj.content, obj.held = edited.content, obj.held or edited.held
        services.comment_set_flags(comment_id=obj.pk, folded=obj.folded, held=obj.held)
