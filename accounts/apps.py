from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账号"

    def ready(self):
        from accounts import seed_import, tokens
        from treehole import hooks

        # The rate limiter tells a signed-in Bearer caller without a database query.
        hooks.register("access_token_expiry", tokens.access_expiry)
        # `manage.py import_seed`: the seed's users first, every other row belongs to one.
        hooks.register("seed_import", seed_import.seed_import_step, order=10)
