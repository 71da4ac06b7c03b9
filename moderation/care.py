"""Care: crisis phrases (e.g. 不想活了) and the calm help card they bring up. Nothing is blocked.

    from moderation.care import care_for_text
    card = care_for_text(text)      # a CareCard (title, body, hotlines) or None

A note, comment or chat message whose text contains a phrase shows its writer the card (pages:
``{% include "moderation/care_card.html" with text=note.content %}``; chat: a ``care`` frame)
and its case goes to the top of the moderators' queue (``moderation.services.content_saved``).
A search for a phrase shows the card above the results. Every page's footer lists the hotlines.

Matching happens in the *care-normalised* text (``care_text``): the project's input normalisation
(treehole/text.py), NFKC, lower case, a few traditional characters folded to simplified, and everything that is not a letter or a digit
removed, so "想 死", "自.杀", "自殺" and "Ｋｉｌｌ myself" match their phrases. A phrase that starts
or ends with a Latin letter ("zs") only counts when no other Latin letter is glued to it ("zsh"
is not a match). ``a+b`` phrases need both parts within ``COMBO_SPAN`` characters. A match lying
inside an *exception* ("想死你了") does not count. The lists live in the admin (shipped by the
data migration 0003 from moderation/care_defaults.py) and are reloaded like the word list.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field

import ahocorasick
from django.conf import settings
from django.utils import translation

from moderation import care_defaults
from moderation.filters import normalize
from moderation.versioning import Reloading
from treehole.text import InvalidText, normalize_text

logger = logging.getLogger(__name__)

COMBO_SPAN = 40  # characters of normalised text within which every part of an a+b phrase must appear

# The traditional forms of the characters the phrases use (a writer on a traditional-Chinese
# keyboard, or one dodging a filter, writes 自殺 / 跳樓 / 遺書).
_TRADITIONAL = str.maketrans(
    "殺輕結遺書樓藥殘傷脈橋軌燒農攢劃這個邊無沒會離開來們寫爲為後夠還覺說樣對讓實麼裡鯊",
    "杀轻结遗书楼药残伤脉桥轨烧农攒划这个边无没会离开来们写为为后够还觉说样对让实么里鲨",
)


@dataclass(frozen=True)
class CareCard:
    title: str
    body: str
    hotlines: list[dict] = field(default_factory=list)


def care_text(text: str) -> tuple[str, list[bool]]:
    """The care-normalised text and, per kept character, whether something was removed just
    before it (so "kill myself" keeps a word boundary where the space was)."""
    try:
        text = normalize_text(text)  # the one input normalisation (NFC, invisibles removed)
    except InvalidText:
        pass  # a lone surrogate: matched as it is (stored text never has one)
    # NFKC on top: full-width and other compatibility forms (ｚｓ, ①) read as what they show.
    folded = normalize(unicodedata.normalize("NFKC", text)).translate(_TRADITIONAL)
    kept: list[str] = []
    gap_before: list[bool] = []
    gap = False
    for char in folded:
        if unicodedata.category(char)[0] in "LN":
            kept.append(char)
            gap_before.append(gap)
            gap = False
        else:
            gap = True
    return "".join(kept), gap_before


def _compact(phrase: str) -> str:
    return care_text(phrase)[0]


def _latin(char: str) -> bool:
    return "a" <= char <= "z"


@dataclass
class _Matcher:
    automaton: object | None
    plain: dict[str, str]  # compact word -> the phrase as listed
    exceptions: set[str]
    combos: list[tuple[str, list[str]]]  # (phrase as listed, compact parts)

    def matches(self, text: str) -> list[str]:
        if self.automaton is None or not text:
            return []
        compact, gaps = care_text(text)
        spans: dict[str, list[tuple[int, int]]] = {}
        for end, word in self.automaton.iter(compact):
            spans.setdefault(word, []).append((end - len(word) + 1, end + 1))
        excepted = [span for word in self.exceptions for span in spans.get(word, [])]

        def valid(word: str, start: int, end: int) -> bool:
            if _latin(word[0]) and start > 0 and _latin(compact[start - 1]) and not gaps[start]:
                return False
            if _latin(word[-1]) and end < len(compact) and _latin(compact[end]) and not gaps[end]:
                return False
            return not any(xs <= start and end <= xe for xs, xe in excepted)

        found = []
        for word, phrase in self.plain.items():
            if any(valid(word, s, e) for s, e in spans.get(word, [])):
                found.append(phrase)
        for phrase, parts in self.combos:
            good = [[s for s, e in spans.get(part, []) if valid(part, s, e)] for part in parts]
            if all(good) and any(
                all(any(abs(other - start) <= COMBO_SPAN for other in starts) for starts in good[1:]) for start in good[0]
            ):
                found.append(phrase)
        return found


@dataclass
class _CareState:
    matcher: _Matcher
    messages: dict[str, tuple[str, str]]  # language -> (title, body)
    hotlines: list[dict]


def _shipped_hotlines() -> list[dict]:
    return [
        {"name": name, "name_en": name_en, "phone": phone, "hours": hours, "hours_en": hours_en}
        for name, name_en, phone, hours, hours_en in care_defaults.HOTLINES
    ]


def _build_matcher(rows) -> _Matcher:
    plain: dict[str, str] = {}
    exceptions: set[str] = set()
    combos: list[tuple[str, list[str]]] = []
    words: set[str] = set()
    for phrase, is_exception in rows:
        if "+" in phrase and not is_exception:
            parts = [_compact(part) for part in phrase.split("+")]
            parts = [part for part in parts if part]
            if len(parts) >= 2:
                combos.append((phrase, parts))
                words.update(parts)
                continue
        compact = _compact(phrase)
        if not compact:
            continue
        words.add(compact)
        if is_exception:
            exceptions.add(compact)
        else:
            plain.setdefault(compact, phrase)
    automaton = None
    if plain or combos:
        automaton = ahocorasick.Automaton()
        for word in words:
            automaton.add_word(word, word)
        automaton.make_automaton()
    return _Matcher(automaton=automaton, plain=plain, exceptions=exceptions, combos=combos)


def _build() -> _CareState:
    from moderation.models import CareMessage, CrisisPhrase, Hotline

    rows = CrisisPhrase.objects.filter(enabled=True).values_list("phrase", "exception")
    messages: dict[str, tuple[str, str]] = {}
    for language, title, body in CareMessage.objects.filter(enabled=True).order_by("id").values_list("language", "title", "body"):
        messages.setdefault(language, (title, body))
    hotlines = list(
        Hotline.objects.filter(enabled=True).order_by("order", "id").values("name", "name_en", "phone", "hours", "hours_en")
    )
    # The card always names somewhere to call: with every hotline removed it lists the shipped ones.
    return _CareState(matcher=_build_matcher(rows), messages=messages, hotlines=hotlines or _shipped_hotlines())


state = Reloading(_build)


def crisis_matches(text: str | None) -> list[str]:
    """The listed phrases found in ``text`` (as listed in the admin)."""
    if not text:
        return []
    return state.get().matcher.matches(str(text))


def needs_care(text: str | None) -> bool:
    """Does ``text`` contain one of the crisis phrases?"""
    return bool(crisis_matches(text))


def _english(language: str | None) -> bool:
    return (language or "").lower().startswith("en")


def localized_hotlines(hotlines: list[dict], language: str | None = None) -> list[dict]:
    """Each hotline as a page shows it: name and hours in the page's language, and the number to
    dial (``tel``, without spaces or dashes)."""
    english = _english(language or translation.get_language())
    return [
        {
            "name": (line.get("name_en") if english else "") or line["name"],
            "phone": line["phone"],
            "tel": "".join(c for c in line["phone"] if c.isdigit() or c == "+"),
            "hours": (line.get("hours_en") if english else "") or line.get("hours", ""),
        }
        for line in hotlines
    ]


def shipped_hotlines(language: str | None = None) -> list[dict]:
    """The hotlines Treehole ships, without touching the database (for the 500 page)."""
    return localized_hotlines(_shipped_hotlines(), language)


def hotlines(language: str | None = None) -> list[dict]:
    """The admin's hotlines; the shipped ones when the database or Redis cannot answer (every
    page's footer shows them, and a footer must never break a page)."""
    try:
        lines = state.get().hotlines
    except Exception:  # noqa: BLE001 - database or Redis down: the numbers still show
        logger.warning("Could not load the hotlines; showing the shipped ones", exc_info=True)
        lines = _shipped_hotlines()
    return localized_hotlines(lines, language)


def care_card(language: str | None = None) -> CareCard:
    """The card in ``language`` (default: the active one), else in the site's language, else the
    shipped text."""
    language = (language or translation.get_language() or settings.LANGUAGE_CODE).lower()
    current = state.get()
    shipped = {lang: (title, body) for lang, title, body in care_defaults.CARE_MESSAGES}
    base = language.split("-")[0]
    title, body = (
        current.messages.get(language)
        or next((value for key, value in current.messages.items() if key.split("-")[0] == base), None)
        or current.messages.get(settings.LANGUAGE_CODE)
        or shipped.get(language)
        or shipped.get("en" if _english(language) else "zh-hans")
    )
    return CareCard(title=title, body=body, hotlines=localized_hotlines(current.hotlines, language))


def care_for_text(text: str | None, language: str | None = None) -> CareCard | None:
    """The care card when ``text`` contains a crisis phrase, else None — the one call a page (the
    search page, a chat frame) needs."""
    return care_card(language) if needs_care(text) else None
