"""Search is the most expensive read, so it is rationed first and shed first.

- Rationed: every search takes a token from the ``search`` bucket of the caller (user, or IP when
  signed out): ``RATE_SEARCH_PER_SECOND`` / ``RATE_SEARCH_BURST``; over it, 429 ``rate_limited``.
- Shed: when the site as a whole is near its limit (the global bucket that
  ``RateLimitMiddleware`` took from has less than ``SEARCH_SHED_GLOBAL_BELOW`` of its burst left)
  or the engine is slow (this process' recent search latency, an exponentially weighted mean,
  above ``SEARCH_SHED_LATENCY_MS``), search answers 503 ``unavailable`` with ``Retry-After``
  while the other reads carry on. While shedding for latency one search per
  ``SEARCH_SHED_PROBE_SECONDS`` still runs, so the measure can recover.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.utils.translation import gettext as _

from treehole import ratelimit
from treehole.errors import Unavailable

ALPHA = 0.2  # weight of the newest sample in the latency average
_lock = threading.Lock()
_latency_ms: float | None = None
_last_probe = 0.0


def record_latency(milliseconds: float) -> None:
    global _latency_ms
    with _lock:
        _latency_ms = milliseconds if _latency_ms is None else (1 - ALPHA) * _latency_ms + ALPHA * milliseconds


def recent_latency_ms() -> float | None:
    return _latency_ms


def reset() -> None:
    """Forget the measured latency (tests; a process starts with none)."""
    global _latency_ms, _last_probe
    with _lock:
        _latency_ms, _last_probe = None, 0.0


def _slow() -> bool:
    global _last_probe
    if _latency_ms is None or _latency_ms <= settings.SEARCH_SHED_LATENCY_MS:
        return False
    with _lock:
        now = time.monotonic()
        if now - _last_probe >= settings.SEARCH_SHED_PROBE_SECONDS:
            _last_probe = now
            return False  # this one is the probe
    return True


def _site_busy(request) -> bool:
    decision = getattr(request, "ratelimit_global", None)
    return decision is not None and decision.remaining < settings.SEARCH_SHED_GLOBAL_BELOW * decision.limit


def admit(request, user=None) -> None:
    """Raise ``Unavailable`` (shed) or ``RateLimited`` (the caller's bucket is empty)."""
    if _site_busy(request) or _slow():
        raise Unavailable(_("树洞现在很忙，搜索暂停一会儿，其他功能照常。"), retry_after=settings.SEARCH_SHED_RETRY_SECONDS)
    ratelimit.enforce("search", request=request, user=user)
