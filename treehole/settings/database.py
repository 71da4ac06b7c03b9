"""The database: MariaDB/MySQL in real mode, SQLite embedded. The source of truth."""

from .base import BASE_DIR, env

# --- Database: the source of truth -------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] in ("django.db.backends.mysql",):
    # utf8mb4 so Chinese text and emoji round-trip; strict mode so overlong data fails loudly;
    # READ COMMITTED so SELECT ... FOR UPDATE sees rows committed by concurrent writers.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "charset": "utf8mb4",
            "init_command": "SET sql_mode='STRICT_TRANS_TABLES', innodb_lock_wait_timeout=20",
            "isolation_level": "read committed",
        }
    )
    DATABASES["default"]["TEST"] = {
        "CHARSET": "utf8mb4",
        "COLLATION": "utf8mb4_unicode_ci",
        "NAME": env.str("TEST_DATABASE_NAME", default="test_treehole"),
    }
# Persistent connections only under WSGI (treehole/wsgi.py says so before the settings load): a
# gunicorn thread serves request after request and keeps its one connection, so a process holds at
# most `threads` of them. Under ASGI (daphne, `runserver`) each request runs in a thread of its own:
# a kept connection would be left behind with it (24 parallel logins once exhausted MariaDB's 151
# connections), so each request closes its connection, and treehole.concurrency bounds how many
# requests — and so connections — one ASGI process has at once. Django's connection pool is
# PostgreSQL-only (5.2), and so is no option for MariaDB.
SERVER_INTERFACE = env.str("TREEHOLE_SERVER_INTERFACE", default="asgi")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60) if SERVER_INTERFACE == "wsgi" else 0
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
ASGI_HTTP_CONCURRENCY = env.int("ASGI_HTTP_CONCURRENCY", default=8)  # requests (= DB connections) at once
ASGI_HTTP_QUEUE_SECONDS = env.float("ASGI_HTTP_QUEUE_SECONDS", default=10)  # then 503 unavailable
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

