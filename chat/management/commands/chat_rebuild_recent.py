"""Refill the Redis list of recent chat messages from the database (after a Redis loss)."""

from django.core.management.base import BaseCommand

from chat import presence


class Command(BaseCommand):
    help = "Merge the newest chat messages from the database into Redis (safe while the site runs)."

    def handle(self, *args, **options):
        length = presence.recent_rebuild()
        self.stdout.write(self.style.SUCCESS(f"chat:recent holds {length} messages"))
