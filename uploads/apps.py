from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "uploads"

    def ready(self):
        from treehole import hooks
        from uploads import seed_import

        # `manage.py import_seed`: avatars after the users, then an account of the seed's images.
        hooks.register("seed_import", seed_import.seed_import_step, order=20)
        hooks.register("seed_import", seed_import.images_step, order=70)
