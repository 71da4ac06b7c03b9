"""`manage.py rebuild_search`: rebuild the full-text search index from the database.

Runs every step registered under the ``rebuild_search`` hook (notes registers the index of notes
and their signed comments), with progress. Searches keep answering from the old index until the
new one is complete. ``--reconcile`` only compares the index with the database and fixes the
documents that differ (fast: no text is read for the notes that match).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from treehole import hooks


class Command(BaseCommand):
    help = "Rebuild the search index from the database (or, with --reconcile, repair what differs)."

    def add_arguments(self, parser):
        parser.add_argument("--reconcile", action="store_true",
                            help="Only fix documents that differ from the database, without a full rebuild.")

    def handle(self, *args, **options):
        steps = hooks.get_hooks("rebuild_search")
        for step in steps:
            step(stdout=self.stdout, reconcile_only=options["reconcile"])
        self.stdout.write(self.style.SUCCESS(f"Search index {'reconciled' if options['reconcile'] else 'rebuilt'} "
                                             f"({len(steps)} step{'s' if len(steps) != 1 else ''})."))
