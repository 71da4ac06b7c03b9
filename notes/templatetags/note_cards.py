"""``{% note_card note %}``: a list row, rendered once per distinct content.

Rendering twenty ``_card.html`` includes (i18n, ``{% url %}``, humanize) was about 80 % of the
home page's time (docs/benchmarks.md). A card's HTML depends only on the note object the
selector built for this viewer (counts, flags, ``is_me``…) and the language, so it is kept in a
per-process cache under a digest of exactly those: any change of what it shows is a new key, and
the short TTL only bounds how old a relative time ("3 分钟前") may look."""

import hashlib
import json

from django import template
from django.core.cache import caches
from django.template.loader import get_template
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


def _card_key(note: dict) -> str:
    # Everything the card shows except the full text (it shows only the excerpt, derived from it).
    shown = {name: value for name, value in note.items() if name != "content"}
    payload = json.dumps([translation.get_language(), shown], sort_keys=True, default=str, ensure_ascii=False)
    return "card:" + hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()


@register.simple_tag
def note_card(note: dict) -> str:
    cache = caches["fragments"]
    key = _card_key(note)
    html = cache.get(key)
    if html is None:
        html = get_template("notes/_card.html").render({"note": note})
        cache.set(key, html)
    return mark_safe(html)  # noqa: S308 - our own template's output, escaped when rendered


@register.filter
def marked(snippet: dict) -> str:
    """A search snippet as HTML: its text escaped, with ``<mark>`` around each of its ``marks``
    (code-point ranges; the JSON carries only the ranges, never HTML)."""
    text = snippet.get("text", "")
    pieces, position = [], 0
    for start, end in snippet.get("marks", ()):
        start, end = max(start, position), min(end, len(text))
        if start >= end:
            continue
        pieces.append(escape(text[position:start]))
        pieces.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece of text is escaped above
