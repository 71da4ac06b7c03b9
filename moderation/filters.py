"""Sensitive-word screening: the one function other apps call before saving text.

    from moderation.filters import screen_text
    result = screen_text(content, field="content")   # raises InvalidInput on a "block" entry
    note.content, note.held = result.text, result.held  # masked text; held → author-only until approved

The list is admin-managed (``SensitiveWord``): plain words go into one Aho-Corasick automaton
(pyahocorasick), regular expressions into one compiled alternation per action, so a text is
scanned once per structure whatever the list's size (numbers in docs/moderation.md). Matching
ignores letter case and full-width/half-width differences. The compiled matcher is rebuilt in
every process within ~MODERATION_RELOAD_SECONDS of an edit (moderation/versioning.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import ahocorasick
from django.utils.translation import gettext as _

from moderation.versioning import Reloading
from treehole.errors import InvalidInput

BLOCK, MASK, HOLD = "block", "mask", "hold"
ACTIONS = (BLOCK, MASK, HOLD)
STRICTNESS = {MASK: 0, HOLD: 1, BLOCK: 2}

# Full-width ASCII (Ａ-Ｚ, ０-９, ！…) to half-width, and the ideographic space to a space.
_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_WIDTH[0x3000] = 0x20


def normalize(text: str) -> str:
    """Lower-case, half-width; always the same length as ``text`` so spans map back."""
    folded = text.translate(_WIDTH).lower()
    if len(folded) == len(text):
        return folded
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text.translate(_WIDTH))


@dataclass(frozen=True)
class Hit:
    start: int
    end: int  # exclusive
    action: str
    pattern: str


@dataclass
class ScreenResult:
    text: str
    held: bool = False
    hits: list[Hit] = field(default_factory=list)

    @property
    def masked(self) -> bool:
        return any(hit.action == MASK for hit in self.hits)


class Matcher:
    """Plain words in one automaton, regular expressions in one alternation per action."""

    def __init__(self, entries: list[tuple[str, bool, str]]):
        """``entries``: (pattern, is_regex, action)."""
        self.size = len(entries)
        self.automaton = None
        words = [(normalize(p), a) for p, is_regex, a in entries if not is_regex and p.strip()]
        if words:
            automaton = ahocorasick.Automaton()
            for word, action in words:
                previous = automaton.get(word, None)
                # The same word listed twice keeps its strictest action (block > hold > mask).
                if previous is None or STRICTNESS[action] > STRICTNESS[previous[0]]:
                    automaton.add_word(word, (action, word))
            automaton.make_automaton()
            self.automaton = automaton
        self.regexes: dict[str, re.Pattern] = {}
        for action in ACTIONS:
            patterns = [p for p, is_regex, a in entries if is_regex and a == action]
            if patterns:
                self.regexes[action] = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)

    def find(self, text: str) -> list[Hit]:
        normalized = normalize(text)
        hits: list[Hit] = []
        if self.automaton is not None:
            for end, (action, word) in self.automaton.iter(normalized):
                hits.append(Hit(end - len(word) + 1, end + 1, action, word))
        for action, pattern in self.regexes.items():
            for match in pattern.finditer(normalized):
                if match.end() > match.start():
                    hits.append(Hit(match.start(), match.end(), action, match.group(0)))
        return hits


def _build() -> Matcher:
    from moderation.models import SensitiveWord

    rows = SensitiveWord.objects.filter(enabled=True).values_list("pattern", "is_regex", "action")
    entries = []
    for pattern, is_regex, action in rows:
        if is_regex:
            try:
                re.compile(pattern)
            except re.error:
                continue  # the admin form refuses these; never let one break every post
            pattern = normalize_regex(pattern)
        entries.append((pattern, is_regex, action))
    return Matcher(entries)


def normalize_regex(pattern: str) -> str:
    return pattern.translate(_WIDTH)


matcher = Reloading(_build)

# Fields where any entry refuses the value: a name is public by nature (so "hold" cannot mean
# "visible only to its author") and a masked name ("小**") would be a different, invalid name.
STRICT_FIELDS = {"username"}


def screen_text(text: str, *, field: str) -> ScreenResult:
    """Screen one text field. Raises ``InvalidInput(fields={field: [...]})`` when a "block" entry
    matches; otherwise returns the text with "mask" matches replaced by ``*`` and ``held=True``
    when a "hold" entry matched (save it visible only to its author and call
    ``moderation.services.content_saved(..., held=True)`` to queue it for a moderator)."""
    if not text:
        return ScreenResult(text=text or "")
    hits = matcher.get().find(text)
    if not hits:
        return ScreenResult(text=text)
    blocked = [h for h in hits if h.action == BLOCK or field in STRICT_FIELDS]
    if blocked:
        shown = "、".join(dict.fromkeys(text[h.start : h.end] for h in blocked[:3]))
        message = _("内容包含不允许发布的词语：%(words)s。请修改后再试。") % {"words": shown}
        raise InvalidInput(message, fields={field: [message]})
    chars = list(text)
    for hit in hits:
        if hit.action == MASK:
            for i in range(hit.start, hit.end):
                if not chars[i].isspace():
                    chars[i] = "*"
    return ScreenResult(text="".join(chars), held=any(h.action == HOLD for h in hits), hits=hits)


def screen_fields(values: dict[str, str]) -> tuple[dict[str, str], bool]:
    """Screen several fields at once (e.g. a note's title and content): every blocked field is
    reported together. Returns (masked values, held)."""
    out: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    held = False
    for name, value in values.items():
        try:
            result = screen_text(value, field=name)
        except InvalidInput as exc:
            errors.update(exc.fields or {})
            continue
        out[name] = result.text
        held = held or result.held
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], fields=errors)
    return out, held
