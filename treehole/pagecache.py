"""Whole pages (and API answers) for signed-out readers, rendered once per distinct content.

Rendering the home page's template was ~80 % of its time (docs/benchmarks.md). For a reader who
is not signed in, the HTML depends only on what the selectors returned (the view passes it as
``shown``), the language, the theme cookie, the full path, the status and the footer's hotlines —
so a page is kept (per process, ``CACHES["pages"]``) under a digest of exactly those. Any write
that changes what the page shows (a vote, a post, an edit, a hide, a visit, a category count)
changes ``shown`` and so the key: there is nothing to invalidate and no way to serve a page that
is out of date with the data it was read from. The short TTL only bounds how old a relative
time may look, as for the list cards (notes/templatetags/note_cards.py).

What differs per visitor is never cached:
- the CSRF token: the page is rendered with a placeholder and each response gets the visitor's
  own token (``get_token``: the same masked token and ``csrftoken`` cookie as a plain render);
- signed-in readers (names, votes, follows), pending ``messages``, non-GET requests: rendered as
  usual, never stored.
"""

from __future__ import annotations

import hashlib

import orjson
from django.conf import settings
from django.contrib import messages
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation

from treehole import hooks
from treehole.theme import theme_of

# Stands for the CSRF token in a stored page; the same length and alphabet as a real masked token
# (64 letters and digits), so the page's bytes are laid out exactly as a plain render's.
CSRF_PLACEHOLDER = "csrfPageCachePlaceholder" + "0" * 40


def cacheable(request) -> bool:
    if request.method not in ("GET", "HEAD") or not settings.PAGE_CACHE_SECONDS:
        return False
    if request.user.is_authenticated:
        return False
    return not len(messages.get_messages(request))  # len() peeks: the messages stay for the render


def _key(request, template_name: str, status: int, shown) -> str:
    # What every page shows besides its context (the footer's hotlines, from moderation) comes
    # from the ``page_cache_key`` hooks, so a change to it is a new key.
    payload = orjson.dumps(
        [template_name, status, translation.get_language(), theme_of(request), request.get_full_path(), shown,
         [part() for part in hooks.get_hooks("page_cache_key")]],
        default=str,
        option=orjson.OPT_NON_STR_KEYS,
    )
    return "page:" + hashlib.blake2b(payload, digest_size=20).hexdigest()


def _answer(request, html: str, status: int) -> HttpResponse:
    return HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)), status=status)


def stored_page(request, template_name: str, *, shown, status: int = 200) -> HttpResponse | None:
    """The stored page for ``shown`` (checked ``cacheable`` first), or None: then build the
    context and answer with ``signed_out_page`` and the same ``shown``. For a view that can tell
    what the page will show (e.g. a digest of it from Redis) more cheaply than build the context."""
    html = caches["pages"].get(_key(request, template_name, status, shown))
    return None if html is None else _answer(request, html, status)


def signed_out_page(request, template_name: str, context: dict, *, shown, status: int = 200) -> HttpResponse:
    """``render(request, template_name, context, status=status)``, served from the page cache for
    a signed-out reader. ``shown``: everything of the context the page displays (JSON-able:
    dicts, lists, strings, numbers, datetimes, dataclasses)."""
    if not cacheable(request):
        return render(request, template_name, context, status=status)
    cache = caches["pages"]
    key = _key(request, template_name, status, shown)
    html = cache.get(key)
    if html is None:
        html = render_to_string(template_name, {**context, "csrf_token": CSRF_PLACEHOLDER}, request)
        cache.set(key, html, settings.PAGE_CACHE_SECONDS)
    return _answer(request, html, status)


# --- the same for a signed-out API response ---------------------------------------------------

def stored_response(kind: str, shown) -> HttpResponse | None:
    """A stored JSON answer for a signed-out request of ``kind`` showing ``shown`` (a digest of
    the data it is built from and its parameters), or None."""
    if not settings.PAGE_CACHE_SECONDS:
        return None
    stored = caches["pages"].get(_response_key(kind, shown))
    if stored is None:
        return None
    content, content_type = stored
    return HttpResponse(content, content_type=content_type)


def store_response(kind: str, shown, response: HttpResponse) -> HttpResponse:
    if settings.PAGE_CACHE_SECONDS and response.status_code == 200 and not response.cookies:
        caches["pages"].set(_response_key(kind, shown), (response.content, response["Content-Type"]),
                            settings.PAGE_CACHE_SECONDS)
    return response


def _response_key(kind: str, shown) -> str:
    payload = orjson.dumps([kind, translation.get_language(), shown], default=str, option=orjson.OPT_NON_STR_KEYS)
    return "response:" + hashlib.blake2b(payload, digest_size=20).hexdigest()
