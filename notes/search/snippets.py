"""The excerpt shown under a search result and the code-point ranges of the words it matched.

``{"field": "title"|"content"|"comment", "text": "…找工作还是考研…", "marks": [[1, 4], [6, 8]]}``:
``marks`` are ``[start, end)`` offsets into ``text`` (Python string indices are code points), so a
page draws ``<mark>`` around them after escaping the text; the JSON never carries HTML.
"""

from __future__ import annotations

from dataclasses import dataclass

from notes.search.text import aligned

WINDOW = 80  # code points of content shown around the best match
LEAD = 16  # of them, before the first matched word
ELLIPSIS = "…"


@dataclass(frozen=True)
class Field:
    name: str  # "title", "content" or "comment"
    text: str
    comment: dict | None = None  # {"id", "floor"} of the comment the text comes from


def _occurrences(text: str, terms) -> list[tuple[int, int, int]]:
    """(start, end, term index) in the original ``text`` of every occurrence of each term."""
    normalized, origin = aligned(text)
    found = []
    for index, term in enumerate(terms):
        if not term:
            continue
        start = normalized.find(term)
        while start != -1:
            end = start + len(term)
            found.append((origin[start], origin[end - 1] + 1, index))
            start = normalized.find(term, end)
    return sorted(found)


def _best_window(found, length: int) -> tuple[int, int]:
    """The window of WINDOW code points that holds the most distinct terms (then the most
    occurrences, then the earliest), starting a little before its first match."""
    best, best_key = (0, min(length, WINDOW)), None
    for start, _end, _term in found[:200]:
        begin = max(0, start - LEAD)
        end = min(length, begin + WINDOW)
        inside = [hit for hit in found if hit[0] >= begin and hit[1] <= end]
        key = (len({hit[2] for hit in inside}), len(inside), -begin)
        if best_key is None or key > best_key:
            best, best_key = (begin, end), key
    begin, end = best
    if end - begin < WINDOW:  # near the end: show more of what comes before
        begin = max(0, end - WINDOW)
    return begin, end


def _merge(ranges: list[list[int]]) -> list[list[int]]:
    merged: list[list[int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def build(fields: list[Field], terms) -> dict:
    """The snippet for a result: from the field matching the most distinct terms (content before
    title on a tie, since the card shows the title anyway; a comment only when it matches more)."""
    terms = [term for term in terms if term]
    scored = []
    for order, field in enumerate(fields):
        found = _occurrences(field.text, terms) if field.text else []
        preference = {"content": 2, "title": 1}.get(field.name, 0)
        scored.append(((len({hit[2] for hit in found}), preference, -order), field, found))
    if not scored:
        return {"field": "content", "text": "", "marks": []}
    _key, field, found = max(scored, key=lambda item: item[0])
    if not found:
        content = next((f for f in fields if f.name == "content"), fields[0])
        field, found = content, []
    text = field.text
    if field.name == "title" or len(text) <= WINDOW:
        begin, end = 0, len(text)
    else:
        begin, end = _best_window(found, len(text)) if found else (0, WINDOW)
    prefix = ELLIPSIS if begin > 0 else ""
    suffix = ELLIPSIS if end < len(text) else ""
    shift = len(prefix) - begin
    marks = _merge([[max(start, begin) + shift, min(stop, end) + shift]
                    for start, stop, _term in found if start < end and stop > begin])
    snippet = {"field": field.name, "text": prefix + text[begin:end] + suffix, "marks": marks}
    if field.comment is not None:
        snippet["comment"] = field.comment
    return snippet
