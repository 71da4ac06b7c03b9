"""``#1234`` in a note's or a comment's text links to note number 1234 (``/n/1234``, which
redirects to the note or answers 404). Registered as a ``rich_text_rule`` (treehole/richtext.py)
from ``NotesConfig.ready()``.

The link is made from the text alone, without looking the number up: rendering a thread costs no
query, and a link to a hidden or deleted note tells nobody anything (``/n/…`` answers the same 404
for a number nobody has). What counts as a reference: ``#`` then 1–10 digits, not glued to a Latin
letter, a digit, ``&`` or another ``#`` before it (``&#1234;``, ``abc#1``, ``##1``) nor to a Latin
letter or digit after it (``#12ab``); Chinese may touch it on either side (``见#1234楼主说的``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html

from treehole.richtext import LinkRule

MAX_NUMBER = 2**31 - 1  # Note.number is a PositiveIntegerField

PATTERN = r"(?<![A-Za-z0-9_#&])#\d{1,10}(?![A-Za-z0-9_])"


def render_note_link(text: str) -> str | None:
    number = int(text[1:])
    if not 0 < number <= MAX_NUMBER:
        return None
    return format_html('<a class="note-ref" href="{}">{}</a>', reverse("note_by_number", args=[number]), text)


NOTE_LINK = LinkRule("note", PATTERN, render_note_link)
