from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "审核"

    def ready(self):
        from moderation import services, targets
        from treehole import hooks

        targets.register_available()
        # accounts.services.user_login: every staff sign-in goes into the audit log.
        hooks.register("staff_signed_in", services.staff_signed_in)
