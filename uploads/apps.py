from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "uploads"

    def ready(self):
        from treehole import hooks
        from uploads import deletion as account_deletion
        from uploads import seed_import
        from uploads.services.images import image_create_avatar, image_take_for_avatar

        # An account deletion: this app's rows of the member (accounts/deletion.py).
        hooks.register("user_delete", account_deletion.user_delete_step, order=40)

        # The profile's avatar (accounts calls these through the hooks: it sits below uploads).
        hooks.register("avatar_take", image_take_for_avatar)
        hooks.register("avatar_upload", image_create_avatar)
        # `manage.py import_seed`: avatars after the users, then an account of the seed's images.
        hooks.register("seed_import", seed_import.seed_import_step, order=20)
        hooks.register("seed_import", seed_import.images_step, order=70)
