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
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

