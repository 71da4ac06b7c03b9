"""The full-text index of notes (notes/search): a Mroonga table on MariaDB, FTS5 tables on SQLite.

On MariaDB the Mroonga storage engine and its ``mroonga_command`` function are installed when
missing (``INSTALL SONAME`` / ``CREATE FUNCTION``, both idempotent here: each runs only when the
server lacks it). That needs Debian's ``mariadb-plugin-mroonga`` (the server's own version) on the
database host and a user allowed to install plugins; the compose database image loads the plugin
at start-up and creates the function as root (deploy/mariadb/). The index starts empty: fill it
with ``manage.py rebuild_search``.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, migrations

TABLE = """CREATE TABLE IF NOT EXISTS `notes_search` (
  `id` bigint(20) NOT NULL,
  `category_id` int(11) NOT NULL,
  `author_id` bigint(20) NOT NULL,
  `public` tinyint(4) NOT NULL,
  `created_at` bigint(20) NOT NULL,
  `version` bigint(20) NOT NULL,
  `title` text NOT NULL,
  `body` mediumtext NOT NULL,
  `comments` mediumtext NOT NULL,
  `people` text NOT NULL,
  PRIMARY KEY (`id`),
  FULLTEXT KEY `text` (`title`,`body`,`comments`) COMMENT 'tokenizer "TokenBigram", normalizer "NormalizerAuto"',
  FULLTEXT KEY `people` (`people`) COMMENT 'tokenizer "TokenDelimit"'
) ENGINE=Mroonga DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"""

FTS5 = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS notes_search USING fts5(title, body, comments, people, "
    "tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TABLE IF NOT EXISTS notes_search_meta (id INTEGER PRIMARY KEY, category_id INTEGER NOT NULL, "
    "author_id INTEGER NOT NULL, public INTEGER NOT NULL, created_at INTEGER NOT NULL, version INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS notes_search_meta_created ON notes_search_meta (created_at)",
)

HOW_TO = (
    "Search needs the Mroonga storage engine: install Debian's mariadb-plugin-mroonga (the same version as "
    "the server) on the database host, then run the migration as a user allowed to INSTALL SONAME, or load "
    "it at start-up (plugin-load-add=ha_mroonga) and CREATE FUNCTION mroonga_command RETURNS STRING "
    "SONAME 'ha_mroonga.so' as root. ({})"
)


def _mroonga(cursor) -> None:
    cursor.execute("SELECT SUPPORT FROM information_schema.ENGINES WHERE ENGINE = 'Mroonga'")
    row = cursor.fetchone()
    if row is None or row[0] not in ("YES", "DEFAULT"):
        try:
            cursor.execute("INSTALL SONAME 'ha_mroonga'")
        except DatabaseError as exc:
            raise ImproperlyConfigured(HOW_TO.format(exc)) from exc
    try:
        cursor.execute("SELECT mroonga_command('status')")
        cursor.fetchall()
    except DatabaseError:
        try:
            cursor.execute("CREATE FUNCTION IF NOT EXISTS mroonga_command RETURNS STRING SONAME 'ha_mroonga.so'")
        except DatabaseError as exc:
            raise ImproperlyConfigured(HOW_TO.format(exc)) from exc


def create_index(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "mysql":
            _mroonga(cursor)
            cursor.execute(TABLE)
        elif connection.vendor == "sqlite":
            for statement in FTS5:
                cursor.execute(statement)


def drop_index(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor in ("mysql", "sqlite"):
            cursor.execute("DROP TABLE IF EXISTS notes_search")
        if connection.vendor == "sqlite":
            cursor.execute("DROP TABLE IF EXISTS notes_search_meta")


class Migration(migrations.Migration):
    atomic = False  # DDL on MariaDB commits anyway; INSTALL SONAME cannot run in a transaction

    dependencies = [("notes", "0004_follow_bookmark")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
