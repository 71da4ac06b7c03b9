from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"

    def ready(self):
        from chat import export, presence, seed_import, targets
        from moderation.targets import HOOK as MODERATION_TARGET
        from chat import deletion as account_deletion
        from treehole import hooks

        # An account deletion: this app's rows of the member (accounts/deletion.py).
        hooks.register("user_delete", account_deletion.user_delete_step, order=30)

        hooks.register(MODERATION_TARGET, targets.MESSAGE_TARGET)
        hooks.register("rebuild_redis", presence.rebuild_step)
        hooks.register("user_export", export.export_sections, order=30)
        hooks.register("seed_import", seed_import.seed_import_step, order=60)
