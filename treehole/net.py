"""Where a request came from. A forwarded-for header is believed only when the direct peer is
one of our own proxies; otherwise anyone could pick the IP their rate limits are counted under."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=1)
def _trusted_networks(proxies: tuple[str, ...]):
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _is_trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _trusted_networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request) -> str:
    peer = request.META.get("REMOTE_ADDR") or "0.0.0.0"
    header = request.META.get(settings.TRUSTED_PROXY_HEADER)
    if header and _is_trusted(peer):
        # Walk from the right: the last hop not added by a trusted proxy is the client.
        for hop in reversed([h.strip() for h in header.split(",") if h.strip()]):
            if not _is_trusted(hop):
                return hop
    return peer
