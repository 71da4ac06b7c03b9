"""Where a request came from, and whether it reached us over HTTPS.

The proxy in front (compose's nginx, at a fixed address) is the only party whose forwarding
headers are believed: ``TRUSTED_PROXIES`` lists exactly its address(es), never whole private
ranges — a client on a campus LAN or VPN has a private address too, and would otherwise pick the
IP its rate limits and login lock count against, or claim https."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

# The scheme the trusted proxy reported, under a META key no client header can produce (every
# header becomes an HTTP_* key); SECURE_PROXY_SSL_HEADER points at it.
FORWARDED_PROTO_META = "TREEHOLE_FORWARDED_PROTO"


@lru_cache(maxsize=1)
def _trusted_networks(proxies: tuple[str, ...]):
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _address(value: str):
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _is_trusted(address: str | None) -> bool:
    ip = _address(address or "")
    return ip is not None and any(ip in network for network in _trusted_networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request) -> str:
    """The client's address: the direct peer, or — when the peer is a trusted proxy — the
    rightmost X-Forwarded-For hop that is not a trusted proxy (each proxy appends the address it
    saw; everything left of that is whatever the client chose to send)."""
    peer = request.META.get("REMOTE_ADDR") or "0.0.0.0"
    header = request.META.get(settings.TRUSTED_PROXY_HEADER)
    if header and _is_trusted(peer):
        for hop in reversed([h.strip() for h in header.split(",") if h.strip()]):
            if not _is_trusted(hop):
                # Not an address: the hop was mangled, so fall back on the proxy itself.
                return hop if _address(hop) is not None else peer
    return peer


class TrustedProxyMiddleware:
    """First in MIDDLEWARE: X-Forwarded-Proto counts only when the trusted proxy sent it, so
    ``request.is_secure()`` (secure cookies, CSRF's referer check, HSTS, absolute URLs) cannot be
    claimed by a direct caller."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop(FORWARDED_PROTO_META, None)
        proto = request.META.get("HTTP_X_FORWARDED_PROTO")
        if proto and _is_trusted(request.META.get("REMOTE_ADDR")):
            # The proxy in front sets (not appends) the header; if it is a list, the last is its own.
            request.META[FORWARDED_PROTO_META] = proto.split(",")[-1].strip().lower()
        return self.get_response(request)
