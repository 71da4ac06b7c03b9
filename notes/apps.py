from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "notes"

    def ready(self):
        from moderation.targets import HOOK as MODERATION_TARGET
        from notes import demo, export, links, search, seed_import, targets
        from notes.ranking.rebuild import rebuild_notes
        from notes import deletion as account_deletion
        from treehole import hooks

        # An account deletion: this app's rows of the member (accounts/deletion.py).
        hooks.register("user_delete", account_deletion.user_delete_step, order=10)

        # `#1234` in notes' and comments' text links to that note.
        hooks.register("rich_text_rule", links.NOTE_LINK)
        hooks.register(MODERATION_TARGET, targets.NOTE_TARGET)
        # `manage.py rebuild_redis`: the notes' keys first, every later step may read the rankings.
        hooks.register("rebuild_redis", rebuild_notes, order=-10)
        hooks.register("demo_data", demo.seed_notes)
        hooks.register("user_export", export.export_sections, order=10)
        hooks.register("seed_import", seed_import.notes_step, order=30)
        hooks.register("seed_import", seed_import.votes_step, order=40)

        # `manage.py rebuild_search`: the full-text index of notes (and their signed comments).
        hooks.register("rebuild_search", search.rebuild_step)
