from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "评论"

    def ready(self):
        from comments import cache
        from notes.hooks import on_note_deleted

        # A deleted note takes its comment rows with it (cascade); its Redis keys go here.
        on_note_deleted(cache.drop_note)
