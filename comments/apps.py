from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "评论"

    def ready(self):
        from comments import cache, export, seed_import
        from comments.selectors import comment_texts_for_search
        from notes.hooks import on_note_deleted
        from treehole import hooks

        # A deleted note takes its comment rows with it (cascade); its Redis keys go here.
        on_note_deleted(cache.drop_note)
        # Signed comments are searchable with 包括评论 (notes/search reads them through this).
        hooks.register("search_comments", comment_texts_for_search)
        hooks.register("user_export", export.export_sections, order=20)
        hooks.register("seed_import", seed_import.seed_import_step, order=50)
