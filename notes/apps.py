from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "notes"

    def ready(self):
        from notes import search
        from treehole import hooks

        # `manage.py rebuild_search`: the full-text index of notes (and their signed comments).
        hooks.register("rebuild_search", search.rebuild_step)
