"""``{% load when %}``: the one way a page shows a time (rules in treehole/when.py).

    {% when note.created_at %}                 <time datetime="…" title="2026-12-01 15:28:07" data-when>3 分钟前</time>
    {% when c.created_at class="muted" %}      the same, with a class
    {{ ban.until|when_text }}                  just the words, for text that is not an element
    {% when_config %}                          once per page (base.html): the rules' strings and
                                               time zone for static/js/when.js
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.html import format_html, json_script

from treehole import when as rules

register = template.Library()


@register.simple_tag(name="when")
def when_tag(value, **attrs):
    described = rules.describe(value)
    if described is None:
        return ""
    css = attrs.get("class")
    if css:
        return format_html(
            '<time class="{}" datetime="{}" title="{}" data-when>{}</time>', css, described.iso, described.exact, described.text
        )
    return format_html('<time datetime="{}" title="{}" data-when>{}</time>', described.iso, described.exact, described.text)


@register.filter
def when_text(value) -> str:
    described = rules.describe(value)
    return described.text if described else ""


@register.filter
def when_exact(value) -> str:
    described = rules.describe(value)
    return described.exact if described else ""


@register.simple_tag
def when_config():
    """The strings and the zone static/js/when.js needs (a JSON script element: allowed by the
    CSP, nothing executes)."""
    return json_script({"tz": settings.TIME_ZONE, "strings": rules.strings()}, "treehole-when")
