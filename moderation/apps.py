from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "审核"

    def ready(self):
        from moderation import care, services
        from moderation.filters import screen_text
        from treehole import hooks

        # accounts.services.user_login: every staff sign-in goes into the audit log.
        hooks.register("staff_signed_in", services.staff_signed_in)
        # A username is screened by the sensitive-word lists like any other text (accounts asks).
        hooks.register("username_screen", screen_text)
        # Every page's footer shows the hotlines: a signed-out page cached with others is stale.
        hooks.register("page_cache_key", care.hotlines)
