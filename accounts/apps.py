from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账号"

    def ready(self):
        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in

        from accounts import seed_import, services, tokens
        from treehole import hooks

        # A session sign-in stamps last_login with treehole.clock, not Django's timezone.now.
        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(services.last_login_stamp, dispatch_uid="update_last_login")

        # The rate limiter tells a signed-in Bearer caller without a database query.
        hooks.register("access_token_expiry", tokens.access_expiry)
        # `manage.py import_seed`: the seed's users first, every other row belongs to one.
        hooks.register("seed_import", seed_import.seed_import_step, order=10)
