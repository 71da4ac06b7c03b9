"""Treehole settings, read from the environment (12-factor, via django-environ).

Two modes share this one file:
- embedded (the default, ``make run``): SQLite, an in-process Redis (fakeredis, with Lua) and the
  in-memory channel layer, so a newcomer needs nothing installed;
- real: ``DATABASE_URL`` / ``REDIS_URL`` point at MariaDB/MySQL and Redis (tests, compose, prod).
Every setting below that a deployer may want to change is listed in the README's table.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

INSECURE_DEV_SECRET_KEY = "insecure-dev-only-key-change-me-before-any-deployment"  # noqa: S105 - refused when DEBUG is off

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_DEV_SECRET_KEY)
if not DEBUG and (SECRET_KEY == INSECURE_DEV_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "DEBUG is off but SECRET_KEY is unset or weak: set SECRET_KEY to a random string of 50+ chars."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_CREDENTIALS = True
CORS_URLS_REGEX = r"^/api/.*$"

INSTALLED_APPS = [
    "daphne",  # must precede staticfiles so `runserver` is the ASGI one (HTTP + WebSocket)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "corsheaders",
    "channels",
    "captcha",
    "ninja",
    "huey.contrib.djhuey",
    "treehole",
    "accounts",
    "uploads",
    "notes",
    "comments",
    "chat",
    "moderation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "treehole.protection.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "treehole.protection.RateLimitMiddleware",
    "treehole.middleware.ApiErrorShapeMiddleware",
]

ROOT_URLCONF = "treehole.urls"
WSGI_APPLICATION = "treehole.wsgi.application"
ASGI_APPLICATION = "treehole.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

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

# --- Redis: a rebuildable index, never the truth ------------------------------------------------
# Empty REDIS_URL = embedded mode: an in-process fakeredis server (with Lua via lupa).
REDIS_URL = env.str("REDIS_URL", default="")
REDIS_KEY_PREFIX = env.str("REDIS_KEY_PREFIX", default="treehole:")
EMBEDDED_REDIS = not REDIS_URL

if EMBEDDED_REDIS:
    from fakeredis import FakeConnection

    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://embedded:6379/0",
            "OPTIONS": {"CONNECTION_POOL_KWARGS": {"connection_class": FakeConnection}},
            "KEY_PREFIX": REDIS_KEY_PREFIX + "cache",
        }
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX + "cache",
        }
    }
    from redis.connection import parse_url as _parse_redis_url

    # Redis pub/sub channels are server-wide, not per db index: the db number is part of the
    # prefix, so sites (or test runs) sharing one Redis server on different dbs never cross-talk.
    # socket_timeout: redis-py 8 defaults to 5 s, exactly the core layer's BZPOPMIN timeout, so an
    # idle or busy consumer's read timed out and the socket closed with 1011 (docs/chat.md).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": env.str("CHANNEL_LAYER_BACKEND", default="channels_redis.pubsub.RedisPubSubChannelLayer"),
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15}],
                # Core layer only (pub/sub ignores it): all of a process's consumers share one
                # Redis queue, so the default of 100 dropped fan-out beyond ~100 local sockets.
                "capacity": env.int("CHANNEL_LAYER_CAPACITY", default=5000),
                "prefix": f"{REDIS_KEY_PREFIX}asgi{_parse_redis_url(REDIS_URL).get('db') or 0}",
            },
        }
    }

# Rendered list cards, per process (notes/templatetags/note_cards.py): a card's HTML is keyed by
# everything it shows, so a hit is never wrong; the TTL only bounds how stale "3 分钟前" can be.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "treehole-fragments",
    "TIMEOUT": env.int("CARD_FRAGMENT_TTL_SECONDS", default=30),
    "OPTIONS": {"MAX_ENTRIES": 5000},
}

# --- Background tasks (Huey on Redis; eager in the embedded mode and in tests) ------------------
TASKS_IMMEDIATE = env.bool("TASKS_IMMEDIATE", default=EMBEDDED_REDIS)
HUEY = {
    "huey_class": "huey.RedisHuey",
    "name": REDIS_KEY_PREFIX + "huey",
    "immediate": TASKS_IMMEDIATE,
    "url": REDIS_URL or None,
    "consumer": {"workers": 2, "worker_type": "thread"},
}

# --- Auth ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["accounts.backends.EmailOrUsernameBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

JWT_SIGNING_KEY = env.str("JWT_SIGNING_KEY", default=SECRET_KEY)
ACCESS_TOKEN_LIFETIME = timedelta(seconds=env.int("ACCESS_TOKEN_LIFETIME_SECONDS", default=2 * 3600))
REFRESH_TOKEN_LIFETIME = timedelta(seconds=env.int("REFRESH_TOKEN_LIFETIME_SECONDS", default=14 * 24 * 3600))

EMAIL_CODE_TTL_SECONDS = env.int("EMAIL_CODE_TTL_SECONDS", default=300)
EMAIL_CODE_RESEND_SECONDS = env.int("EMAIL_CODE_RESEND_SECONDS", default=60)
EMAIL_CODE_MAX_TRIES = env.int("EMAIL_CODE_MAX_TRIES", default=5)
LOGIN_CAPTCHA_AFTER_FAILURES = env.int("LOGIN_CAPTCHA_AFTER_FAILURES", default=3)
LOGIN_LOCK_AFTER_FAILURES = env.int("LOGIN_LOCK_AFTER_FAILURES", default=5)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=15 * 60)
LOGIN_LOCK_SECONDS = env.int("LOGIN_LOCK_SECONDS", default=15 * 60)

CAPTCHA_TIMEOUT = 5  # minutes
CAPTCHA_LENGTH = 4
CAPTCHA_IMAGE_SIZE = (120, 40)
CAPTCHA_FONT_SIZE = 30

# --- IDs ----------------------------------------------------------------------------------------
# Each process that creates rows needs its own worker id (0..1023): gunicorn's post_fork hook adds
# the worker's age to this base; daphne and the task worker are given their own in compose.
TREEHOLE_WORKER_ID = env.int("TREEHOLE_WORKER_ID", default=0)

# --- Limits (the contract's defaults) ----------------------------------------------------------
TREEHOLE_LIMITS = {
    "title": env.int("LIMIT_TITLE", default=100),
    "note_content": env.int("LIMIT_NOTE_CONTENT", default=5000),
    "comment_content": env.int("LIMIT_COMMENT_CONTENT", default=1000),
    "chat_message": env.int("LIMIT_CHAT_MESSAGE", default=500),
    "username_min": 2,
    "username_max": env.int("LIMIT_USERNAME", default=30),
    "bio": env.int("LIMIT_BIO", default=200),
    "image_bytes": env.int("LIMIT_IMAGE_BYTES", default=10 * 1024 * 1024),
    "image_pixels": env.int("LIMIT_IMAGE_PIXELS", default=40_000_000),
    "images_per_note": env.int("LIMIT_IMAGES_PER_NOTE", default=9),
    "chunked_upload_bytes": env.int("LIMIT_CHUNKED_UPLOAD_BYTES", default=500 * 1024 * 1024),
    "page_size_default": 20,
    "page_size_max": 50,
}
AVATAR_SIZE = 256
DATA_UPLOAD_MAX_MEMORY_SIZE = 3 * 1024 * 1024  # JSON bodies; files have their own limits
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- E-mail ---------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Treehole <noreply@treehole.local>")

# --- i18n: Simplified Chinese first, English shipped compiled -----------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Serve static files straight from the app directories too, so a lone app process with DEBUG off
# works even before `collectstatic` (compose runs collectstatic and nginx serves them).
WHITENOISE_USE_FINDERS = True
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)  # nginx serves /media/ in compose

# --- Security -----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Client IP behind proxies ------------------------------------------------------------------
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
TRUSTED_PROXY_HEADER = env.str("TRUSTED_PROXY_HEADER", default="HTTP_X_FORWARDED_FOR")

# --- Rate limits: {action: (tokens per second, burst)} -----------------------------------------
# Token buckets in Redis (treehole/ratelimit.py). Writes are limited per user (per IP when
# signed out); the global bucket is checked in middleware.
RATE_LIMITS = {
    "global": (env.float("RATE_GLOBAL_PER_SECOND", default=1000), env.float("RATE_GLOBAL_BURST", default=5000)),
    "login": (env.float("RATE_LOGIN_PER_SECOND", default=10 / 60), env.float("RATE_LOGIN_BURST", default=10)),
    "email_code": (env.float("RATE_EMAIL_CODE_PER_SECOND", default=5 / 3600), env.float("RATE_EMAIL_CODE_BURST", default=5)),
    "register": (env.float("RATE_REGISTER_PER_SECOND", default=20 / 3600), env.float("RATE_REGISTER_BURST", default=20)),
    "post": (env.float("RATE_POST_PER_SECOND", default=10 / 3600), env.float("RATE_POST_BURST", default=5)),
    "comment": (env.float("RATE_COMMENT_PER_SECOND", default=1 / 10), env.float("RATE_COMMENT_BURST", default=10)),
    "vote": (env.float("RATE_VOTE_PER_SECOND", default=2), env.float("RATE_VOTE_BURST", default=30)),
    "chat": (env.float("RATE_CHAT_PER_SECOND", default=1), env.float("RATE_CHAT_BURST", default=5)),
    "upload": (env.float("RATE_UPLOAD_PER_SECOND", default=1 / 6), env.float("RATE_UPLOAD_BURST", default=20)),
    "report": (env.float("RATE_REPORT_PER_SECOND", default=1 / 60), env.float("RATE_REPORT_BURST", default=10)),
    # Every signed-out request, per client IP (an IPv6 client per /64), in the middleware.
    "anon": (env.float("RATE_ANON_PER_SECOND", default=20), env.float("RATE_ANON_BURST", default=200)),
}
# When Redis is down the limiter fails open (logged), except for these actions: they answer 503.
RATE_LIMITS_FAIL_CLOSED = ("email_code",)
# After a Redis failure the limiter stops asking Redis for this long (no connect timeout per request).
RATE_LIMIT_BREAKER_SECONDS = env.float("RATE_LIMIT_BREAKER_SECONDS", default=1.0)
# Not counted by the global and per-IP buckets (health checks, files).
RATE_LIMIT_EXEMPT_PATHS = ("/healthz", STATIC_URL, MEDIA_URL)

# --- Notes (issue: notes) -----------------------------------------------------------------------
# Only the top NOTES_RANK_SIZE notes of each ranking (hot/new, global and per category) stay in
# Redis; deeper pages come from the database in the same order. Hot score = creation time in
# seconds + NOTES_VOTE_WEIGHT x net votes cast within NOTES_VOTE_WINDOW_SECONDS of creation.
NOTES_RANK_SIZE = env.int("NOTES_RANK_SIZE", default=2000)
NOTES_VOTE_WEIGHT = env.int("NOTES_VOTE_WEIGHT", default=500)
NOTES_VOTE_WINDOW_SECONDS = env.int("NOTES_VOTE_WINDOW_SECONDS", default=7 * 24 * 3600)
# Cards of notes outside the rankings live this long (plus jitter); absent ids for the short one.
NOTES_CACHE_TTL_SECONDS = env.int("NOTES_CACHE_TTL_SECONDS", default=12 * 3600)
NOTES_CACHE_ABSENT_TTL_SECONDS = env.int("NOTES_CACHE_ABSENT_TTL_SECONDS", default=60)
NOTES_CACHE_JITTER = env.float("NOTES_CACHE_JITTER", default=0.1)
NOTES_CACHE_LOCK_MS = env.int("NOTES_CACHE_LOCK_MS", default=3000)
NOTES_CACHE_WAIT_SECONDS = env.float("NOTES_CACHE_WAIT_SECONDS", default=3.0)
NOTES_COUNT_TTL_SECONDS = env.int("NOTES_COUNT_TTL_SECONDS", default=600)
NOTES_BUILD_LOCK_MS = env.int("NOTES_BUILD_LOCK_MS", default=30_000)
NOTES_TOMBSTONE_SECONDS = env.int("NOTES_TOMBSTONE_SECONDS", default=60)
# The seed's delayed second delete of a card after an edit (a persisted Huey task).
NOTES_SECOND_DELETE_SECONDS = env.int("NOTES_SECOND_DELETE_SECONDS", default=3)
# Visits counted in Redis are written to the database by a periodic task (cron minutes).
NOTES_VISITS_FLUSH_CRON_MINUTES = env.str("NOTES_VISITS_FLUSH_CRON_MINUTES", default="*")

# --- Comments (issue: comments) -----------------------------------------------------------------
# The seed's delayed second delete of a comment's cache, after the database write.
COMMENT_CACHE_SECOND_DELETE_SECONDS = env.float("COMMENT_CACHE_SECOND_DELETE_SECONDS", default=3)

# --- Chat (issue: chat) -------------------------------------------------------------------------
# A WebSocket connection that sends nothing for CHAT_HEARTBEAT_TIMEOUT seconds is closed (4008) and
# leaves the online list; clients ping every CHAT_PING_INTERVAL. Every process checks its own
# connections and prunes everyone's stale Redis presence entries each CHAT_SWEEP_INTERVAL, so a
# killed process's users are gone within timeout + interval. CHAT_RECENT_SIZE messages stay in Redis.
CHAT_HEARTBEAT_TIMEOUT = env.float("CHAT_HEARTBEAT_TIMEOUT_SECONDS", default=60)
CHAT_PING_INTERVAL = env.float("CHAT_PING_INTERVAL_SECONDS", default=25)
CHAT_SWEEP_INTERVAL = env.float("CHAT_SWEEP_INTERVAL_SECONDS", default=min(5.0, CHAT_HEARTBEAT_TIMEOUT / 4))
# Presence changes within this many seconds leave each process as one frame (the latest count).
CHAT_PRESENCE_THROTTLE = env.float("CHAT_PRESENCE_THROTTLE_SECONDS", default=0.5)
CHAT_RECENT_SIZE = env.int("CHAT_RECENT_SIZE", default=500)
CHAT_HISTORY_LIMIT_DEFAULT = 50
CHAT_HISTORY_LIMIT_MAX = 100
CHAT_MAX_FRAME_BYTES = env.int("CHAT_MAX_FRAME_BYTES", default=16 * 1024)

# --- Uploads (issue: uploads) -------------------------------------------------------------------
# Every file goes through Django's storage API (STORAGES["default"]): local disk under MEDIA_ROOT
# by default; STORAGE_BACKEND=s3 moves every upload to an S3-compatible service (AWS S3, MinIO,
# Aliyun OSS, ...) through django-storages + boto3 without a code change. See docs/uploads.md.
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local")
if STORAGE_BACKEND == "s3":
    from boto3.s3.transfer import TransferConfig

    # Large files go up in multipart parts; at most max_in_memory_upload_chunks parts are buffered,
    # so the memory of publishing a file is bounded whatever its size.
    _s3_transfer = TransferConfig(
        multipart_threshold=env.int("AWS_S3_MULTIPART_BYTES", default=8 * 1024 * 1024),
        multipart_chunksize=env.int("AWS_S3_MULTIPART_BYTES", default=8 * 1024 * 1024),
        max_concurrency=env.int("AWS_S3_MAX_CONCURRENCY", default=4),
    )
    _s3_transfer.max_in_memory_upload_chunks = env.int("AWS_S3_MAX_CONCURRENCY", default=4)
    if not env.str("AWS_STORAGE_BUCKET_NAME", default=""):
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME (and usually AWS_S3_ENDPOINT_URL).")
    STORAGES = {
        **STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
                "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
                "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
                "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
                "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
                "custom_domain": env.str("AWS_S3_CUSTOM_DOMAIN", default="") or None,
                "location": env.str("AWS_LOCATION", default=""),
                "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,
                "signature_version": env.str("AWS_S3_SIGNATURE_VERSION", default="s3v4"),
                # Public, stable URLs (bucket policy or CDN allows reading): a signed URL would
                # expire inside cached note cards. Set true for a private bucket.
                "querystring_auth": env.bool("AWS_QUERYSTRING_AUTH", default=False),
                # Names are 128 random bits: skip the HEAD request that avoids overwriting.
                "file_overwrite": True,
                "transfer_config": _s3_transfer,
            },
        },
    }
elif STORAGE_BACKEND != "local":
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'local' or 's3', not {STORAGE_BACKEND!r}.")

# Chunks of resumable uploads stay on this machine's disk until `complete` (outside MEDIA_ROOT, so
# a half-uploaded file is never served). With several app hosts this must be a shared volume.
UPLOAD_CHUNK_DIR = Path(env.str("UPLOAD_CHUNK_DIR", default=str(BASE_DIR / "tmp" / "upload-chunks")))
# 5 MiB = S3's smallest multipart part; a chunk is streamed from the request, never held whole.
UPLOAD_CHUNK_BYTES = env.int("UPLOAD_CHUNK_BYTES", default=5 * 1024 * 1024)
UPLOAD_SESSION_TTL = timedelta(seconds=env.int("UPLOAD_SESSION_TTL_SECONDS", default=24 * 3600))
UPLOAD_SESSIONS_PER_USER = env.int("UPLOAD_SESSIONS_PER_USER", default=3)  # unfinished at once
UPLOAD_UNATTACHED_TTL = timedelta(seconds=env.int("UPLOAD_UNATTACHED_TTL_SECONDS", default=24 * 3600))
# What a chunked upload may be (checked against the file's own bytes, not only the declared type).
UPLOAD_SESSION_CONTENT_TYPES = env.list(
    "UPLOAD_SESSION_CONTENT_TYPES", default=["video/mp4", "video/webm", "video/ogg", "video/quicktime"]
)
RATE_LIMITS["upload_chunk"] = (
    env.float("RATE_UPLOAD_CHUNK_PER_SECOND", default=10),
    env.float("RATE_UPLOAD_CHUNK_BURST", default=200),
)

# --- Protection: CORS, CSP, security headers (issue: protection) --------------------------------
# CORS (django-cors-headers) for /api/ only: origins from CORS_ALLOWED_ORIGINS (above), which alone
# get credentials. Preflight allows the default headers (Authorization among them) and the chunk
# upload's checksum header; cross-origin scripts may read the rate-limit headers.
from corsheaders.defaults import default_headers  # noqa: E402

CORS_ALLOW_HEADERS = (*default_headers, "x-chunk-sha256")
CORS_EXPOSE_HEADERS = ("Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")

# Content Security Policy (django-csp 4, via treehole.protection.ContentSecurityPolicyMiddleware,
# which adds this host's ws:// or wss:// origin to connect-src per request). The pages load only
# their own static scripts and styles: no inline script, no inline style attribute.
# Uploads stored on S3 (STORAGE_BACKEND=s3) are served from another origin: it is allowed for
# images and video; CSP_MEDIA_SRC (comma-separated sources) replaces that guess.
CSP_MEDIA_SRC = env.list("CSP_MEDIA_SRC", default=[])
if not CSP_MEDIA_SRC and STORAGE_BACKEND == "s3":
    from urllib.parse import urlsplit  # noqa: E402

    _endpoint = urlsplit(env.str("AWS_S3_ENDPOINT_URL", default=""))
    if env.str("AWS_S3_CUSTOM_DOMAIN", default=""):
        CSP_MEDIA_SRC = [f"https://{env.str('AWS_S3_CUSTOM_DOMAIN')}"]
    elif _endpoint.netloc:  # path-style or virtual-hosted (bucket as a subdomain)
        CSP_MEDIA_SRC = [f"{_endpoint.scheme}://{_endpoint.netloc}", f"{_endpoint.scheme}://*.{_endpoint.netloc}"]
    else:
        CSP_MEDIA_SRC = ["https://*.amazonaws.com"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *CSP_MEDIA_SRC],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "media-src": ["'self'", "blob:", *CSP_MEDIA_SRC],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        **({"report-uri": [env.str("CSP_REPORT_URI")]} if env.str("CSP_REPORT_URI", default="") else {}),
    },
}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)  # nginx/the TLS proxy redirects

# --- Moderation (issue: moderation) -------------------------------------------------------------
# N distinct reporters fold a note or comment automatically (moderators can still unfold it).
MODERATION_FOLD_THRESHOLD = env.int("MODERATION_FOLD_THRESHOLD", default=3)
# Ban lengths offered in the admin, in days (None = permanent); each new ban of a user defaults to
# the step after their previous one.
MODERATION_BAN_STEPS_DAYS = (1, 3, 7, 30, None)
# Each process checks the word lists' version in Redis at most this often (seconds), so an edit in
# the admin reaches every process within about this long.
MODERATION_RELOAD_SECONDS = env.float("MODERATION_RELOAD_SECONDS", default=1.0)
MODERATION_REPORT_TEXT_MAX = 500
