"""`manage.py import_seed --from mysql://user:pass@host:3306/treehole --media /path/to/upload`

Bring a community over from the Go project Treehole grew from (jiangtianxia/treehole): its users,
notes, images, votes, comments and chat messages, ids kept. Every app imports its own tables from
the step it registered under the ``seed_import`` hook (treehole/seedimport.py says how a row is
imported, skipped or reported bad); afterwards Redis is rebuilt (``rebuild_redis``, with its
steps from the hooks registry) and so is the search index (``rebuild_search``). Run it again at
any time: rows already here are skipped, so a second run changes nothing. docs/migrating-from-go.md
is the operator's guide.
"""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from treehole import hooks
from treehole.seedimport import DEFAULT_SALT, DEFAULT_TIMEZONE, HOOK, ImportReport, SeedImportError, SeedOptions, SeedSource

SEED_TABLES = ("user_basic", "note_basic", "user_notes", "voted_note", "comment_note", "message_basic", "image_basic")


class Command(BaseCommand):
    help = "Import the Go seed's MySQL database (users, notes, images, votes, comments, chat) with ids kept."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", required=True, metavar="URL",
                            help="The seed's database: mysql://user:password@host:3306/treehole (read only).")
        parser.add_argument("--media", metavar="DIR",
                            help="The seed's upload folder (its ./upload, served as /upload/): images and avatars are read from it.")
        parser.add_argument("--timezone", default=DEFAULT_TIMEZONE,
                            help=f"The timezone of the seed's DATETIME columns (default {DEFAULT_TIMEZONE}, as its containers ran).")
        parser.add_argument("--salt", default=DEFAULT_SALT,
                            help="The seed's md5.salt setting (config/app.yml), if it was changed from the default.")
        parser.add_argument("--category", metavar="SLUG", help="The category for the seed's notes (default: the first one).")
        parser.add_argument("--signed-notes", action="store_true",
                            help="Show imported notes under their author's name (default: anonymous, 洞主).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (bad rows are still listed).")

    def handle(self, *args, **options):
        import os
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        media = options["media"]
        if media and not os.path.isdir(media):
            raise CommandError(f"--media {media} is not a folder.")
        try:
            ZoneInfo(options["timezone"])
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise CommandError(f"--timezone {options['timezone']!r} is not a timezone.") from exc
        seed_options = SeedOptions(
            media_dir=media, timezone=options["timezone"], salt=options["salt"],
            signed_notes=options["signed_notes"], category=options["category"],
        )
        try:
            source = SeedSource(options["source"], seed_options)
            self._check_tables(source)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        report = ImportReport(out=self.stdout, err=self.stderr, progress=not options["no_progress"])
        try:
            for step in hooks.get_hooks(HOOK):
                step(source, report)
        except SeedImportError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            source.close()
        self.stdout.write(report.summary())
        call_command("rebuild_redis", stdout=self.stdout, stderr=self.stderr)
        call_command("rebuild_search", stdout=self.stdout, stderr=self.stderr)
        bad = report.bad_total
        message = "Seed imported." if not bad else f"Seed imported; {bad} bad rows were skipped (listed above)."
        self.stdout.write(self.style.SUCCESS(message) if not bad else self.style.WARNING(message))

    @staticmethod
    def _check_tables(source: SeedSource) -> None:
        import MySQLdb

        try:
            found = {row["t"].decode() if isinstance(row["t"], bytes) else row["t"] for row in source.query(
                "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE()")}
        except MySQLdb.Error as exc:
            raise CommandError(f"Cannot read the seed's database: {exc}") from exc
        missing = [table for table in SEED_TABLES if table not in found]
        if missing:
            raise CommandError(f"This is not the seed's database: no table {', '.join(missing)}.")
