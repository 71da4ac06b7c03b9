from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("通知")

    def ready(self):
        from notifications import cache, handlers
        from notifications import deletion as account_deletion
        from treehole import hooks

        hooks.register("rebuild_redis", cache.rebuild_unread_counts)
        # An account deletion: this app's rows of the member (accounts/deletion.py).
        hooks.register("user_delete", account_deletion.user_delete_step, order=50)

        hooks.register("comment_published", handlers.on_comment_published)
        hooks.register("comment_withdrawn", handlers.on_comment_withdrawn)
        hooks.register("content_moderated", handlers.on_content_moderated)
        hooks.register("user_banned", handlers.on_user_banned)
        hooks.register("reports_closed", handlers.on_reports_closed)
