"""Redis (through django-redis), the channel layer, per-process fragments and the task queue."""

from .base import env

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

# Failed Redis side effects are recorded in the database and redone from it (treehole/effects.py)
# by a periodic task at these cron minutes.
REDIS_REPAIR_CRON_MINUTES = env.str("REDIS_REPAIR_CRON_MINUTES", default="*")

# --- Background tasks (Huey on Redis; eager in the embedded mode and in tests) ------------------
TASKS_IMMEDIATE = env.bool("TASKS_IMMEDIATE", default=EMBEDDED_REDIS)
HUEY = {
    "huey_class": "huey.RedisHuey",
    "name": REDIS_KEY_PREFIX + "huey",
    "immediate": TASKS_IMMEDIATE,
    "url": REDIS_URL or None,
    "consumer": {"workers": 2, "worker_type": "thread"},
}

