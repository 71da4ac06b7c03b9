"""The reader's colour theme: the system's (``prefers-color-scheme``) unless they chose light or
dark with the toggle in the top bar. The choice lives in a cookie that the server reads, so the
page is rendered with ``<html data-theme>`` already set: no flash of the wrong theme and no inline
script (the CSP forbids one). static/js/site.js sets the same cookie without a reload; without
JavaScript the toggle is a form posted to ``set_theme``."""

from __future__ import annotations

from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

THEME_COOKIE = "theme"
THEMES = ("light", "dark")
THEME_COOKIE_MAX_AGE = 365 * 24 * 3600


def theme_of(request) -> str:
    """``"light"``, ``"dark"`` or ``""`` (follow the system)."""
    value = request.COOKIES.get(THEME_COOKIE, "") if request is not None else ""
    return value if value in THEMES else ""


def theme(request) -> dict:
    """Context processor: ``theme`` for base.html."""
    return {"theme": theme_of(request)}


@require_POST
def set_theme(request):
    """Remember ``theme`` (light, dark, or anything else to follow the system) and go back."""
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    value = request.POST.get("theme", "")
    if value in THEMES:
        response.set_cookie(THEME_COOKIE, value, max_age=THEME_COOKIE_MAX_AGE, samesite="Lax", secure=request.is_secure())
    else:
        response.delete_cookie(THEME_COOKIE, samesite="Lax")
    return response
