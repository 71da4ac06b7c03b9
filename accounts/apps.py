from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账号"

    def ready(self):
        from accounts import seed_import
        from treehole import hooks

        # `manage.py import_seed`: the seed's users first, every other row belongs to one.
        hooks.register("seed_import", seed_import.seed_import_step, order=10)
