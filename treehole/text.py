"""The one input-normalisation step for every piece of text a user sends (forms, the JSON API, the
chat socket).

Why: MySQL's utf8mb4 cannot store a lone UTF-16 surrogate (``"\\ud800"`` in JSON decodes to one,
and saving it answered 500); zero-width, bidi and control characters let someone post a note that
shows as blank, or flip the text around it with a right-to-left override. So every text field is

1. refused (400 ``invalid`` on its field) when it holds a lone surrogate;
2. put in Unicode NFC (one spelling for one text: ``é`` is one code point however it was typed);
3. cleaned: control characters (NUL, C0/C1, DEL) and the invisible characters that only hide or
   reorder text (bidi embeddings, overrides and isolates, zero-width space, word joiner, BOM,
   non-characters, …) are removed; line breaks become ``\\n`` (a one-line field turns them, and
   tabs, into spaces);
4. and when nothing visible is left (only spaces, marks and invisibles) it becomes ``""``, which a
   required field refuses.

Kept on purpose: ZWJ/ZWNJ (emoji sequences like 👩‍💻, Persian and Indic spelling need them) and the
left-to-right/right-to-left *marks* (U+200E/U+200F/U+061C, which writers of Arabic and Hebrew use
and which cannot reorder other text).

How to use it (one of these at every door; never a hand-written copy):

- a ninja schema field: ``title: Text(TextKind.LINE, max_length=settings.TREEHOLE_LIMITS["title"])``
  or ``bio: Text(max_length=200) | None = None``. Lengths are checked on what was sent and again
  on the normalised value (NFC may lengthen a few scripts), and appear in the OpenAPI schema.
  ``password: Text(TextKind.SECRET)`` is kept exactly as typed, only refused when unstorable.
  ``treehole/tests/test_text_wiring.py`` fails when an input schema has a bare ``str`` field.
- a Django form field: ``title = TextField(kind=TextKind.LINE, max_length=…)`` (a CharField).
- anything else (a WebSocket frame, a header): ``clean_text(value, field="content")`` raises
  ``InvalidInput`` with the field's name; ``normalize_text`` raises ``InvalidText``.
- a whole decoded JSON document: ``lone_surrogate_path(data)`` names the first string (or key)
  that cannot be stored; the API's JSON parser refuses such a body before any schema sees it.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from typing import Annotated, Any

from django import forms
from django.utils.translation import gettext as _
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from treehole.errors import InvalidInput


class TextKind(StrEnum):
    PROSE = "prose"  # several lines: note and comment content, bio, chat messages, report text
    LINE = "line"  # one line: titles, usernames, search terms, e-mail, codes, slugs, reasons
    SECRET = "secret"  # passwords and tokens: never rewritten, only refused when unstorable


class InvalidText(ValueError):
    """The text cannot be accepted (a lone surrogate): ``message`` says why, for the user."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

# Removed from every non-secret text. Bidi embeddings/overrides (U+202A–U+202E) and isolates
# (U+2066–U+2069) reorder what follows them; the rest are invisible and carry nothing a reader sees.
_INVISIBLE_REMOVED = (
    [0x200B, 0x2060, 0xFEFF, 0x180E, 0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0]
    + list(range(0x202A, 0x202F))
    + list(range(0x2066, 0x206A))
    + list(range(0x2061, 0x2065))  # invisible math operators
    + list(range(0x206A, 0x2070))  # deprecated format characters
    + list(range(0xFFF9, 0xFFFC))  # interlinear annotation
    + list(range(0xFDD0, 0xFDF0))  # non-characters
    + [plane * 0x10000 + 0xFFFE for plane in range(17)]
    + [plane * 0x10000 + 0xFFFF for plane in range(17)]
    + list(range(0xE0000, 0xE0080))  # tag characters (used to hide text)
)
_CONTROLS = [c for c in range(0x00, 0x20) if c not in (0x09, 0x0A)] + list(range(0x7F, 0xA0))

_PROSE_TABLE = {c: None for c in (*_CONTROLS, *_INVISIBLE_REMOVED)}
_PROSE_TABLE.update({0x85: "\n", 0x2028: "\n", 0x2029: "\n"})
_LINE_TABLE = {**_PROSE_TABLE, 0x09: " ", 0x0A: " ", 0x85: " ", 0x2028: " ", 0x2029: " "}

# What does not count as something to read: whitespace, format characters and lone marks.
_BLANK_CATEGORIES = frozenset({"Cc", "Cf", "Mn", "Me", "Zs", "Zl", "Zp", "Cs"})
_BLANK_EXTRA = frozenset({"\u2800", "\u3164", "\u115f", "\u1160", "\uffa0"})


def has_lone_surrogate(value: str) -> bool:
    return _LONE_SURROGATE.search(value) is not None


def is_blank(value: str) -> bool:
    """True when ``value`` shows nothing to a reader."""
    return all(
        char.isspace() or char in _BLANK_EXTRA or unicodedata.category(char) in _BLANK_CATEGORIES for char in value
    )


def normalize_text(value: str, *, kind: TextKind = TextKind.PROSE) -> str:
    """The normalised form of ``value`` ("" when nothing visible is left); raises ``InvalidText``."""
    if has_lone_surrogate(value):
        raise InvalidText(_("含有无法保存的字符（不成对的 UTF-16 代理项）。"))
    if kind == TextKind.SECRET:
        if "\x00" in value:
            raise InvalidText(_("不能含有空字符（NUL）。"))
        return value
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    value = value.translate(_LINE_TABLE if kind == TextKind.LINE else _PROSE_TABLE)
    return "" if is_blank(value) else value


def clean_text(value: Any, *, field: str, kind: TextKind = TextKind.PROSE, required: bool = False,
               max_length: int | None = None) -> str:
    """``normalize_text`` for code outside a schema or a form: ``InvalidInput`` on ``field``."""
    if not isinstance(value, str):
        raise InvalidInput(_("提交的数据有误。"), fields={field: [_("应为文字。")]})
    try:
        cleaned = normalize_text(value, kind=kind)
    except InvalidText as exc:
        raise InvalidInput(exc.message, fields={field: [exc.message]}) from None
    problem = _length_problem(cleaned, min_length=1 if required else None, max_length=max_length)
    if problem:
        raise InvalidInput(problem, fields={field: [problem]})
    return cleaned


def _length_problem(value: str, *, min_length: int | None, max_length: int | None) -> str | None:
    if min_length and not value:
        return _("不能为空（空格和不可见字符不算内容）。")
    if min_length and len(value) < min_length:
        return _("至少 %(n)d 个字。") % {"n": min_length}
    if max_length is not None and len(value) > max_length:
        return _("最多 %(n)d 个字。") % {"n": max_length}
    return None


# --- ninja / pydantic ------------------------------------------------------------------------------

def _pydantic_validator(kind: TextKind, min_length: int | None, max_length: int | None):
    def validate(value: str) -> str:
        try:
            cleaned = normalize_text(value, kind=kind)
        except InvalidText as exc:
            raise PydanticCustomError("invalid_text", exc.message) from None
        problem = _length_problem(cleaned, min_length=min_length, max_length=max_length)
        if problem:
            raise PydanticCustomError("invalid_text", problem)
        return cleaned

    validate.treehole_text_kind = kind  # the wiring test looks for this mark
    return validate


def Text(kind: TextKind = TextKind.PROSE, *, min_length: int | None = None, max_length: int | None = None,
         **field_kwargs):  # noqa: N802 - used like a type: ``title: Text(TextKind.LINE, max_length=100)``
    """A ``str`` schema field that goes through ``normalize_text``; ``min_length``/``max_length``
    are stated in the OpenAPI schema and checked on the raw and on the normalised value."""
    return Annotated[
        str,
        Field(min_length=min_length, max_length=max_length, **field_kwargs),
        AfterValidator(_pydantic_validator(kind, min_length, max_length)),
    ]


def is_text_annotation(metadata) -> bool:
    """True when a pydantic field's metadata carries ``Text``'s validator."""
    return any(hasattr(getattr(item, "func", None), "treehole_text_kind") for item in metadata)


# --- Django forms ----------------------------------------------------------------------------------

class TextField(forms.CharField):
    """A CharField whose value goes through ``normalize_text`` before ``required`` and the
    length limits are checked (so text of only invisible characters is "required")."""

    def __init__(self, *, kind: TextKind = TextKind.PROSE, **kwargs):
        self.kind = kind
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        try:
            return normalize_text(value, kind=self.kind)
        except InvalidText as exc:
            raise forms.ValidationError(exc.message, code="invalid") from None


# --- whole JSON documents --------------------------------------------------------------------------

def lone_surrogate_path(data: Any, path: tuple = ()) -> tuple | None:
    """The path (keys and indexes) of the first string or key in decoded JSON ``data`` holding a
    lone surrogate, or None: such a document can neither be stored nor echoed back as UTF-8."""
    if isinstance(data, str):
        return path if has_lone_surrogate(data) else None
    if isinstance(data, dict):
        for key, item in data.items():
            if isinstance(key, str) and has_lone_surrogate(key):
                return (*path, key)
            found = lone_surrogate_path(item, (*path, key))
            if found is not None:
                return found
    elif isinstance(data, list):
        for index, item in enumerate(data):
            found = lone_surrogate_path(item, (*path, index))
            if found is not None:
                return found
    return None


def fold(value: str) -> str:
    """The form two texts are compared in when a reader's word must match whatever way it was
    typed: NFKC (full-width ``ＡＢＣ１２３`` is ``abc123``, ``①`` is ``1``) and case folding
    (``Straße`` matches ``STRASSE``). Used by personal keyword filters (notes/filtering.py);
    the search index has its own, richer form (notes/search/text.py adds traditional → simplified)."""
    return unicodedata.normalize("NFKC", value or "").casefold()
