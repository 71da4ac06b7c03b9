"""Staff see notifications read-only (what was told, about what), never whom: the recipient of a
``comment`` or ``reply`` on an anonymous note is its author or a commenter, so the admin shows no
user and offers no lookup by one. Nothing can be added, changed or deleted here."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from moderation.admin import AuthorHiddenAdmin
from notifications.models import Notification
from notifications.serializers import notification_text


@admin.register(Notification)
class NotificationAdmin(AuthorHiddenAdmin):
    author_lookups = ("user",)
    list_display = ("id", "kind", "note", "floor", "actor_name", "count", "is_read", "updated_at")
    list_filter = ("kind",)
    list_select_related = ("note", "comment")
    ordering = ("-updated_at",)
    fields = ("kind", "note", "floor", "actor_name", "count", "shown_text", "is_read", "created_at", "updated_at")
    readonly_fields = fields

    @admin.display(description=_("楼层"))
    def floor(self, row):
        return row.comment.floor if row.comment_id and row.comment else "-"

    @admin.display(description=_("已读"), boolean=True)
    def is_read(self, row):
        return row.read_at is not None

    @admin.display(description=_("内容"))
    def shown_text(self, row):
        return notification_text(row)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_delete_permission(self, request, obj=None):
        return False
