from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"

    def ready(self):
        from chat import export, presence, seed_import, targets
        from moderation.targets import HOOK as MODERATION_TARGET
        from treehole import hooks

        hooks.register(MODERATION_TARGET, targets.MESSAGE_TARGET)
        hooks.register("rebuild_redis", presence.rebuild_step)
        hooks.register("user_export", export.export_sections, order=30)
        hooks.register("seed_import", seed_import.seed_import_step, order=60)
