"""Redis (through django-redis), the channel layer, per-process fragments and the task queue."""

from .base import env

# --- Redis: a rebuildable index, never the truth ------------------------------------------------
# Empty REDIS_URL = embedded mode: an in-process fakeredis server (with Lua via lupa).
REDIS_URL = env.str("REDIS_URL", default="")
REDIS_KEY_PREFIX = env.str("REDIS_KEY_PREFIX", default="treehole:")
EMBEDDED_REDIS = not REDIS_URL

# Short socket timeouts and one circuit breaker per Redis server (treehole/redis.py): after a failed
# connect or a timed-out reply no caller connects to that server for REDIS_BREAKER_SECONDS (then
# one probe), so an unreachable Redis costs microseconds per request, not a timeout each.
REDIS_SOCKET_CONNECT_TIMEOUT = env.float("REDIS_SOCKET_CONNECT_TIMEOUT", default=1.0)
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=3.0)
REDIS_BREAKER_SECONDS = env.float("REDIS_BREAKER_SECONDS", default=2.0)
REDIS_MAX_CONNECTIONS = env.int("REDIS_MAX_CONNECTIONS", default=256)


def redis_caches(url: str) -> dict:
    """``CACHES["default"]`` for ``url`` ('' = embedded): the one django-redis pool.

    Every reply is text (``decode_responses``): the apps' keys are strings and their Lua scripts
    answer strings. Nothing uses the Django cache API on this alias (cache-aside is
    treehole/cache.py on the raw client, ``get_redis_connection``); django-redis' own methods would
    pickle to bytes, which a text pool cannot hand back, so its serializer is text JSON
    (``TextJSONSerializer``) and a future ``cache.get`` still works."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    from treehole.redis import BreakerConnection

    if not url:
        from fakeredis import FakeConnection

        # One fake server per host/port: every client of the process sees the same data.
        url, pool = "redis://embedded:6379/0", {"connection_class": FakeConnection}
    else:
        pool = {
            "connection_class": BreakerConnection,
            "max_connections": REDIS_MAX_CONNECTIONS,
            "health_check_interval": 30,
            # One immediate retry on a fresh socket (a pooled one the server closed, e.g. after a
            # restart); a second failure is the breaker's business, never a backoff sleep.
            "retry": Retry(NoBackoff(), 1),
        }
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": REDIS_KEY_PREFIX + "cache",
        "OPTIONS": {
            "SOCKET_CONNECT_TIMEOUT": REDIS_SOCKET_CONNECT_TIMEOUT,
            "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
            "SERIALIZER": "treehole.redis.TextJSONSerializer",
            "CONNECTION_POOL_KWARGS": {**pool, "decode_responses": True},
        },
    }


def redis_channel_layers(url: str) -> dict:
    """``CHANNEL_LAYERS`` for ``url`` ('' = embedded: the in-memory layer)."""
    if not url:
        return {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    from redis.connection import parse_url

    from treehole.redis import AsyncBreakerConnection

    # Redis pub/sub channels are server-wide, not per db index: the db number is part of the
    # prefix, so sites (or test runs) sharing one Redis server on different dbs never cross-talk.
    # socket_timeout: redis-py 8 defaults to 5 s, exactly the core layer's BZPOPMIN timeout, so an
    # idle or busy consumer's read timed out and the socket closed with 1011 (docs/chat.md).
    # connection_class: the layer fails fast with the same breaker as every other Redis caller.
    host = {"address": url, "socket_timeout": 15, "socket_connect_timeout": REDIS_SOCKET_CONNECT_TIMEOUT,
            "connection_class": AsyncBreakerConnection}
    return {
        "default": {
            "BACKEND": env.str("CHANNEL_LAYER_BACKEND", default="channels_redis.pubsub.RedisPubSubChannelLayer"),
            "CONFIG": {
                "hosts": [host],
                # Core layer only (pub/sub ignores it): all of a process's consumers share one
                # Redis queue, so the default of 100 dropped fan-out beyond ~100 local sockets.
                "capacity": env.int("CHANNEL_LAYER_CAPACITY", default=5000),
                "prefix": f"{REDIS_KEY_PREFIX}asgi{parse_url(url).get('db') or 0}",
            },
        }
    }


CACHES = {"default": redis_caches(REDIS_URL)}
CHANNEL_LAYERS = redis_channel_layers(REDIS_URL)

# Rendered list cards, per process (notes/templatetags/note_cards.py): a card's HTML is keyed by
# everything it shows, so a hit is never wrong; the TTL only bounds how stale "3 分钟前" can be.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "treehole-fragments",
    "TIMEOUT": env.int("CARD_FRAGMENT_TTL_SECONDS", default=30),
    "OPTIONS": {"MAX_ENTRIES": 5000},
}

# Whole pages for signed-out readers, per process (treehole/pagecache.py): keyed by a digest of
# everything the page shows, so a hit is never wrong; the TTL bounds how old a relative time may
# look. PAGE_CACHE_SECONDS=0 renders every page (make bench's "before" row).
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=30)
CACHES["pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "treehole-pages",
    "TIMEOUT": PAGE_CACHE_SECONDS or 1,
    "OPTIONS": {"MAX_ENTRIES": env.int("PAGE_CACHE_MAX_ENTRIES", default=500)},
}

# Failed Redis side effects are recorded in the database and redone from it (treehole/effects.py)
# by a periodic task at these cron minutes.
REDIS_REPAIR_CRON_MINUTES = env.str("REDIS_REPAIR_CRON_MINUTES", default="*")

# --- Background tasks (Huey on Redis; eager in the embedded mode and in tests) ------------------
TASKS_IMMEDIATE = env.bool("TASKS_IMMEDIATE", default=EMBEDDED_REDIS)


def redis_huey_pool(url: str):
    """Huey's own pool (it stores pickled bytes, so not the text pool of CACHES), with the same
    breaker: an enqueue while Redis is away fails at once. Its socket timeout outlasts the
    consumer's 1-second blocking pop."""
    if not url:
        return None
    import redis

    from treehole.redis import BreakerConnection

    return redis.ConnectionPool.from_url(
        url, connection_class=BreakerConnection, socket_connect_timeout=REDIS_SOCKET_CONNECT_TIMEOUT,
        socket_timeout=max(REDIS_SOCKET_TIMEOUT, 5.0), health_check_interval=30,
    )


HUEY = {
    "huey_class": "huey.RedisHuey",
    "name": REDIS_KEY_PREFIX + "huey",
    "immediate": TASKS_IMMEDIATE,
    "connection_pool": redis_huey_pool(REDIS_URL),
    "consumer": {"workers": 2, "worker_type": "thread"},
}

