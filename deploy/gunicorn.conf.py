"""gunicorn for pages and the JSON API (WSGI). Chosen over daphne for HTTP because on 2 cores a
plain Django JSON view served ~2,400 req/s under gunicorn (2 workers x 4 threads) and ~280 req/s
under one daphne process (see docs/benchmarks.md); daphne only serves /ws/."""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
keepalive = 5
timeout = 120  # `complete` of a 500 MB chunked upload to remote storage takes tens of seconds
graceful_timeout = 20
accesslog = "-"
max_requests = 5000
max_requests_jitter = 500
# gunicorn believes no forwarding header itself: treehole.net.TrustedProxyMiddleware decides,
# from TRUSTED_PROXIES (one place for the client IP and the scheme).
forwarded_allow_ips = ""


def post_fork(server, worker):
    # Every process that creates rows needs its own snowflake worker id: base + the worker's age
    # (unique among this master's workers, also across restarts of a worker).
    from treehole import ids

    base = int(os.environ.get("TREEHOLE_WORKER_ID", "0"))
    ids.configure((base + worker.age) % 1024)
