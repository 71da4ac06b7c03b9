"""`manage.py rebuild_redis`: rebuild every Redis key of the site from the database.

Notes first (rankings, cards of ranked notes, voted sets of notes still in their vote window),
then every step other apps registered under the ``rebuild_redis`` hook (``treehole.hooks``). Visits counted in Redis
and not yet written to the database are kept. ``--recount`` first recomputes each note's
approve / against / score from its vote rows (the database's own counters).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from treehole import clock, effects, hooks


class Command(BaseCommand):
    help = "Rebuild every Redis key from the database (after a flush, or a failure between the two)."

    def add_arguments(self, parser):
        parser.add_argument("--recount", action="store_true", help="Recompute note counters from the vote rows (and poll counts from the ballots) first.")

    def handle(self, *args, **options):
        started = clock.now()
        if options["recount"]:
            from notes.models import Note, Poll
            from notes.services import note_recount, poll_recount

            ids = list(Note.objects.values_list("pk", flat=True))
            for note_id in ids:
                note_recount(note_id=note_id)
            self.stdout.write(f"Recounted {len(ids)} notes from their votes.")
            polls = list(Poll.objects.values_list("pk", flat=True))
            for note_id in polls:
                poll_recount(note_id=note_id)
            self.stdout.write(f"Recounted {len(polls)} polls from their ballots.")
        for step in hooks.get_hooks("rebuild_redis"):
            step(stdout=self.stdout)
        # Every repair asked for before the rebuild began is redone by it.
        cleared = effects.repairs_clear(requested_before=started)
        if cleared:
            self.stdout.write(f"Cleared {cleared} pending Redis repairs.")
        self.stdout.write(self.style.SUCCESS("Redis rebuilt from the database."))
