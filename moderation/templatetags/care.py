"""``{% load care %}{% care_hotlines %}``: the hotline numbers every page's footer lists.

``offline=True`` uses only the shipped list (moderation/care_defaults.py) — the 500 page must not
touch the database or Redis. Otherwise the admin's list, falling back to the shipped one when the
database or Redis cannot answer."""

from __future__ import annotations

from django import template

from moderation import care

register = template.Library()


@register.inclusion_tag("moderation/hotlines.html")
def care_hotlines(offline: bool = False):
    return {"hotlines": care.shipped_hotlines() if offline else care.hotlines()}
