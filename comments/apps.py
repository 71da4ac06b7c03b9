from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "评论"

    def ready(self):
        from comments import aliases, cache, export, seed_import, targets
        from comments.selectors import comment_texts_for_search
        from moderation.targets import HOOK as MODERATION_TARGET
        from comments import deletion as account_deletion
        from treehole import hooks

        # An account deletion: this app's rows of the member (accounts/deletion.py).
        hooks.register("user_delete", account_deletion.user_delete_step, order=20)

        hooks.register(MODERATION_TARGET, targets.COMMENT_TARGET)
        # A deleted note takes its comment rows with it (cascade); its Redis keys go here.
        hooks.register("note_deleted", cache.drop_note)
        hooks.register("rebuild_redis", cache.rebuild_comment_keys)
        # Signed comments are searchable with 包括评论 (notes/search reads them through this).
        hooks.register("search_comments", comment_texts_for_search)
        hooks.register("user_export", export.export_sections, order=20)
        hooks.register("seed_import", seed_import.seed_import_step, order=50)
        hooks.register("reserved_usernames", aliases.reserved_names)
