"""The core: the environment, secret key, hosts, apps, middleware, templates, ids, i18n, static
files and logging. Every other settings module reads ``env`` and ``BASE_DIR`` from here."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

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
    "notifications",
]

MIDDLEWARE = [
    "treehole.net.TrustedProxyMiddleware",  # first: is_secure() is believed from here on
    "django.middleware.security.SecurityMiddleware",
    # Pages and JSON leave compressed when the client accepts it (no proxy is assumed in front:
    # `make run` and a lone app process serve browsers directly). Django's GZip pads each
    # response with random bytes against BREACH, and CSRF tokens are masked per response.
    "django.middleware.gzip.GZipMiddleware",
    "treehole.protection.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "moderation.middleware.BanNoticeMiddleware",  # a banned member's next page says why they were signed out
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "treehole.protection.RateLimitMiddleware",
    "treehole.middleware.ApiErrorShapeMiddleware",
    "treehole.middleware.PrivateAnswersMiddleware",  # signed-in answers: Cache-Control private, no-store
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
                "treehole.theme.theme",
            ],
        },
    },
]


# --- IDs ----------------------------------------------------------------------------------------
# Each process that creates rows needs its own worker id (0..1023): gunicorn's post_fork hook adds
# the worker's age to this base; daphne and the task worker are given their own in compose.
TREEHOLE_WORKER_ID = env.int("TREEHOLE_WORKER_ID", default=0)


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
# Serve static files straight from the app directories too while nothing is collected, so a lone
# app process with DEBUG off works even before `collectstatic` (compose collects; nginx serves them).
# Once collected, only the collected (and pre-compressed: .gz beside each file) copies are served.
WHITENOISE_USE_FINDERS = not (STATIC_ROOT / "css").is_dir()
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)  # nginx serves /media/ in compose


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

