"""`manage.py redis_repair`: redo now the Redis side effects that failed after their commit
(the periodic task does it every minute; this is for an operator who just brought Redis back)."""

from django.core.management.base import BaseCommand

from treehole import effects


class Command(BaseCommand):
    help = "Run the pending Redis repairs (failed side effects, redone from the database)."

    def handle(self, *args, **options):
        done = effects.repairs_run()
        left = effects.repairs_pending()
        self.stdout.write(f"Redis repairs: {done} done, {left} pending.")
        if left:
            self.stdout.write(self.style.WARNING("Some repairs are still pending (is Redis reachable?)."))
