from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "notes"

    def ready(self):
        from notes import export, links, search, seed_import
        from treehole import hooks

        # `#1234` in notes' and comments' text links to that note.
        hooks.register("rich_text_rule", links.NOTE_LINK)

        hooks.register("user_export", export.export_sections, order=10)
        hooks.register("seed_import", seed_import.notes_step, order=30)
        hooks.register("seed_import", seed_import.votes_step, order=40)

        # `manage.py rebuild_search`: the full-text index of notes (and their signed comments).
        hooks.register("rebuild_search", search.rebuild_step)
