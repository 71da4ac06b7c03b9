from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "审核"

    def ready(self):
        from moderation import targets

        targets.register_available()
