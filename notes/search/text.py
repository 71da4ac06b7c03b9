"""Text for the search index and for queries: one normalisation, one segmenter.

Both sides of a match go through :func:`normalize` (NFKC, so full-width ``ＡＢＣ１２３，`` is
``abc123,``; case folding; traditional → simplified characters with OpenCC's ``t2s`` table, so
``考試`` finds ``考试``). Queries are then cut into words by jieba's Rust port (``rjieba``): the
index itself needs no segmentation (Mroonga indexes CJK text as bigrams, the FTS5 backend as
single characters, so any word can be found wherever it occurs), but a query typed without spaces
(``考研工作``) must become the words a person meant (``考研`` and ``工作``), each required.

:func:`aligned` keeps, for each normalised character, the index of the original character it came
from, so the snippet's marks are code-point ranges of the text the user wrote.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

MAX_WORDS = 10

# Particles and pronouns that carry no topic: dropped from a words-mode query that has other
# words ("我想考研" looks for 想 and 考研, not for every note containing 我). A query made only of
# them keeps them.
STOPWORDS = frozenset("的 了 吗 呢 吧 啊 呀 嘛 哦 哈 和 与 及 或 是 在 也 都 就 还 很 我 你 他 她 它 们 这 那 有 个 被 把 给 让".split())

_CJK = (
    "\u3040-\u30ff"  # kana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs (+ extension A, compatibility)
    "\uac00-\ud7af"  # hangul
    "\U00020000-\U0003134f"  # extensions B-G
)
CJK_CHAR = re.compile(f"[{_CJK}]")
_WORDY = re.compile(rf"[\w{_CJK}]")


@functools.lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=1)
def _segmenter():
    import rjieba

    return rjieba


@functools.lru_cache(maxsize=8192)  # a page of results repeats the same few thousand characters
def _fold_char(char: str) -> str:
    if char < "\x80":
        return char.lower()
    return unicodedata.normalize("NFKC", char).casefold()


def normalize(text: str) -> str:
    """The form both the index and the query are matched in (see the module docstring)."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _t2s().convert(folded) if CJK_CHAR.search(folded) else folded


def aligned(text: str) -> tuple[str, list[int]]:
    """``(normalised text, origin)`` where ``origin[i]`` is the index in ``text`` of the character
    normalised character ``i`` came from (one original character may become several, e.g. ``㎏``)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    if len(folded) == len(text):  # nearly always: one character stays one character
        if CJK_CHAR.search(folded):
            converted = _t2s().convert(folded)
            folded = converted if len(converted) == len(folded) else folded
        return folded, list(range(len(text)))
    pieces, origin = [], []
    for index, char in enumerate(text):
        folded = _fold_char(char)
        pieces.append(folded)
        origin.extend([index] * len(folded))
    folded = "".join(pieces)
    if CJK_CHAR.search(folded):
        converted = _t2s().convert(folded)
        if len(converted) != len(folded):  # a phrase rule changed the length: convert per character
            converted = "".join(_t2s().convert(char) if CJK_CHAR.match(char) else char for char in folded)
            if len(converted) != len(folded):
                converted = folded
        folded = converted
    return folded, origin


def is_wordy(token: str) -> bool:
    """Does the token hold a letter, digit or CJK character (not only punctuation or spaces)?"""
    return bool(_WORDY.search(token))


@dataclass(frozen=True)
class Group:
    """One space-separated part of a words-mode query: found when all its ``terms`` occur, or when
    ``name`` (the part as typed) is the username of the signed author of the note (or, with
    comments, of a signed comment on it). Exact mode has one group: the phrase."""

    terms: tuple[str, ...]
    name: str = ""


@dataclass(frozen=True)
class ParsedQuery:
    mode: str
    groups: tuple[Group, ...]

    @property
    def empty(self) -> bool:
        return not self.groups

    @property
    def terms(self) -> tuple[str, ...]:
        """Every term to highlight, each once."""
        return tuple(dict.fromkeys(term for group in self.groups for term in group.terms))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(group.name for group in self.groups if group.name))


def _lone(token: str) -> bool:
    return len(token) == 1 and CJK_CHAR.match(token) is not None and token not in STOPWORDS


def _word(token: str) -> bool:
    return len(token) >= 2 and is_wordy(token)


def _glued(tokens: list[str]) -> list[str]:
    """The segmenter's words, with a lone CJK character it left *after* a word joined back to it:
    that is how jieba cuts a compound it does not know (``英语一`` → 英语 + 一, ``数学二``, ``流浪猫``),
    and the part is then found as typed. Alone, such a character is in nearly every note — the
    query would mean the word before it alone — and it is the costliest term there is (TokenBigram
    indexes pairs, so Groonga walks every pair the character starts: 170 ms for ``英语一 地铁站`` at
    1,000,000 notes, docs/search.md). A character *before* a word is usually a verb of its own
    (``找工作`` → 找 + 工作 finds 找 and 工作 apart, as words mode promises), and a character typed
    as a part of its own (``猫``) stays a word of its own."""
    out: list[str] = []
    glued_last = False
    for token in tokens:
        if _lone(token) and out and not glued_last and _word(out[-1]) and CJK_CHAR.match(out[-1][-1]):
            out[-1] += token
            glued_last = True
            continue
        out.append(token)
        glued_last = False
    return out


def parse(q: str, mode: str = "words") -> ParsedQuery:
    """Turn what the user typed into groups of terms (see :class:`Group`)."""
    if mode == "exact":
        phrase = " ".join(normalize(q).split())
        return ParsedQuery("exact", (Group((phrase,)),) if is_wordy(phrase) else ())
    groups: list[Group] = []
    stop_only: list[Group] = []
    seen: set[str] = set()
    for chunk in q.split():
        tokens = _glued([token.strip() for token in _segmenter().cut(normalize(chunk))])
        tokens = [token for token in tokens if token and is_wordy(token)]
        meaningful = [token for token in tokens if token not in STOPWORDS]
        name = chunk if 2 <= len(chunk) <= 30 else ""
        terms = tuple(token for token in dict.fromkeys(meaningful or tokens) if token not in seen)
        seen.update(terms)
        if not terms:
            continue
        (groups if meaningful else stop_only).append(Group(terms, name))
    # A part made only of particles ("我 考研") is dropped when the query has other words.
    chosen = groups or stop_only
    kept, count = [], 0
    for group in chosen:
        if count >= MAX_WORDS:
            break
        kept.append(Group(group.terms[:MAX_WORDS - count], group.name))
        count += len(kept[-1].terms)
    return ParsedQuery("words", tuple(kept))


def split_cjk(normalized: str) -> str:
    """CJK characters as separate tokens (for tokenizers that would keep a CJK run as one word)."""
    return CJK_CHAR.sub(lambda match: f" {match.group(0)} ", normalized)
