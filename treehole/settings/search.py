"""Search (notes/search): which engine, and when search is shed under load."""

from .base import env

# --- Search (issue 18) ---------------------------------------------------------------------------
# "auto": Mroonga on MariaDB, SQLite's FTS5 in the embedded mode; or "mroonga", "fts5", or the
# dotted path of a notes.search.backends.SearchBackend subclass (e.g. an OpenSearch one).
SEARCH_BACKEND = env.str("SEARCH_BACKEND", default="auto")
# Shed search first (503 + Retry-After) when the global bucket has less than this share of its
# burst left, or when this process' recent search latency is above SEARCH_SHED_LATENCY_MS.
SEARCH_SHED_GLOBAL_BELOW = env.float("SEARCH_SHED_GLOBAL_BELOW", default=0.2)
SEARCH_SHED_LATENCY_MS = env.float("SEARCH_SHED_LATENCY_MS", default=500)
SEARCH_SHED_PROBE_SECONDS = env.float("SEARCH_SHED_PROBE_SECONDS", default=1.0)
SEARCH_SHED_RETRY_SECONDS = env.int("SEARCH_SHED_RETRY_SECONDS", default=5)
