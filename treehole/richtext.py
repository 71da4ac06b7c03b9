"""User text as HTML: every character escaped, newlines as ``<br>``, and the spans a *link rule*
recognises turned into links. The one place where notes' and comments' text becomes markup
(``{{ text|rich_text }}``, treehole/templatetags/rich_text.py).

Escaping comes first in the sense that matters: no byte of the text reaches the output except
through ``escape()`` (the plain stretches) or a rule's ``format_html()`` (the links), and rules
match the raw text, so an escaped ``&amp;`` is never half a URL.

A rule is a regular expression and a function from the matched text to safe HTML (or ``None`` to
leave that text as it is). The web-link rule is built in; a higher app adds its own from its
``AppConfig.ready()`` through the hooks registry, e.g. note links for ``#1234``::

    hooks.register("rich_text_rule", LinkRule("note", r"(?<![\\w#&])#\\d{1,19}\\b", render_note_link))

Rules are tried in registration order at each position; the earliest match wins."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from treehole import hooks

LINK_REL = "nofollow ugc noopener"
SHOWN_URL_CHARS = 60


@dataclass(frozen=True)
class LinkRule:
    name: str
    pattern: str  # no named groups of its own: the rules are joined into one alternation
    render: Callable[[str], str | None]


# http(s) only; the URL stops at whitespace, quotes, angle brackets and any CJK or full-width
# character (Chinese text and punctuation run straight on from a pasted link).
_URL = r"(?<![A-Za-z0-9+.-])https?://[^\s<>\"'\u2e80-\uffff]+"
_TRAILING = ".,;:!?'\")]}*"


def _split_trailing(url: str) -> tuple[str, str]:
    """``"https://a.cn/x)."`` → the URL and the punctuation after it (a closing bracket stays when
    the URL opened one: Wikipedia's ``…_(disambiguation)``)."""
    end = len(url)
    while end and url[end - 1] in _TRAILING:
        char = url[end - 1]
        opener = {")": "(", "]": "[", "}": "{"}.get(char)
        if opener and url[:end].count(opener) >= url[:end].count(char):
            break
        end -= 1
    return url[:end], url[end:]


def render_web_link(text: str) -> str | None:
    url, tail = _split_trailing(text)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    shown = url if len(url) <= SHOWN_URL_CHARS else url[: SHOWN_URL_CHARS - 1] + "…"
    return format_html('<a href="{}" rel="{}">{}</a>{}', url, LINK_REL, shown, tail)


WEB_LINK = LinkRule("web", _URL, render_web_link)


def link_rules() -> list[LinkRule]:
    return [WEB_LINK, *hooks.get_hooks("rich_text_rule")]


@lru_cache(maxsize=8)
def _combined(rules: tuple[LinkRule, ...]) -> re.Pattern:
    return re.compile("|".join(f"(?P<r{index}>{rule.pattern})" for index, rule in enumerate(rules)))


def rich_text(text: str | None) -> SafeString:
    text = str(text or "")
    rules = tuple(link_rules())
    out: list[str] = []
    position = 0
    for match in _combined(rules).finditer(text):
        index = int(match.lastgroup[1:])
        html = rules[index].render(match.group())
        if html is None:
            continue
        out.append(escape(text[position:match.start()]))
        out.append(html)
        position = match.end()
    out.append(escape(text[position:]))
    return mark_safe("".join(out).replace("\r\n", "\n").replace("\n", "<br>"))  # noqa: S308 - every piece escaped above
