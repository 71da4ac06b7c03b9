from django.contrib import admin

from chat.models import ChatMessage
from chat.services import chat_message_delete


@admin.register(ChatMessage)
class ChatMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "short_content", "created_at")
    list_select_related = ("user",)
    search_fields = ("content", "user__username")
    raw_id_fields = ("user",)
    readonly_fields = ("id", "created_at")
    date_hierarchy = "created_at"

    @admin.display(description="content")
    def short_content(self, obj):
        return obj.content[:60]

    def has_change_permission(self, request, obj=None):
        # Read-only: the room shows messages from the Redis list, which an edited row would not
        # reach. A moderator removes a message (through the service) instead of rewriting it.
        return False

    def delete_model(self, request, obj):
        # Through the service, so the message also leaves the Redis list.
        chat_message_delete(message_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for message_id in list(queryset.values_list("pk", flat=True)):
            chat_message_delete(message_id=message_id)
