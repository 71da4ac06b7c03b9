"""Settings for the benchmark servers only: the site's settings plus a URLconf that adds the
baseline views (ceiling, naive hot list, naive home page, naive vote). Never used in production:
only bench/run.py sets DJANGO_SETTINGS_MODULE=bench.settings for the servers it starts."""

from treehole.settings import *  # noqa: F403
from treehole.settings import BASE_DIR, env

ROOT_URLCONF = "bench.urls"

# collectstatic output for DEBUG=0 runs (the manifest storage needs it); outside the repo's own
# staticfiles/ so the bench never disturbs anyone's.
STATIC_ROOT = BASE_DIR / "tmp" / "bench-static"

# Where the runner leaves the bodies the ceiling views answer with (same bytes as the real page).
BENCH_DIR = env.str("BENCH_DIR", default=str(BASE_DIR / "tmp" / "bench"))

# BENCH_LAYER_SOCKET_TIMEOUT (seconds): give the channel layer's Redis connections a read timeout
# longer than channels-redis core's 5 s BZPOPMIN (redis-py 8 defaults socket_timeout to 5 s too,
# so an idle core layer's blocking pop races its own socket timeout). Off unless set: the bench
# measures the site's configuration first.
_layer_timeout = env.float("BENCH_LAYER_SOCKET_TIMEOUT", default=0)
if _layer_timeout and not EMBEDDED_REDIS:  # noqa: F405
    CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [  # noqa: F405
        {"address": REDIS_URL, "socket_timeout": _layer_timeout}  # noqa: F405
    ]
