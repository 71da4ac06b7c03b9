from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "notes"

    def ready(self):
        from notes import export, search, seed_import
        from treehole import hooks

        hooks.register("user_export", export.export_sections, order=10)
        hooks.register("seed_import", seed_import.notes_step, order=30)
        hooks.register("seed_import", seed_import.votes_step, order=40)

        # `manage.py rebuild_search`: the full-text index of notes (and their signed comments).
        hooks.register("rebuild_search", search.rebuild_step)
