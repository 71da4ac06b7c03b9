"""The rankings' Lua scripts, one file per event or read in ``lua/``. Every script that places a
note starts with the shared library ``lua/placement.lua`` (prepended here: Redis runs the pair as
one script, with EVALSHA and a transparent reload on NOSCRIPT, treehole.redis.LuaScript)."""

from __future__ import annotations

from pathlib import Path

from treehole.cache import LEASE_TAKE_LUA
from treehole.redis import LuaScript

_LUA = Path(__file__).resolve().parent / "lua"


def _source(name: str) -> str:
    return (_LUA / f"{name}.lua").read_text(encoding="utf-8")


_PLACEMENT = _source("placement")

# Placing events (the library's KEYS/ARGV first, then the event's own).
CREATED = LuaScript(_PLACEMENT, _source("created"))
VOTED = LuaScript(_PLACEMENT, _source("voted"))
CHANGED = LuaScript(_PLACEMENT, _source("changed"))
REMOVED = LuaScript(_PLACEMENT, _source("removed"))
PLACED = LuaScript(_PLACEMENT, _source("placed"))

COMMENT_COUNT = LuaScript(_source("comment_count"))
POLL = LuaScript(_source("poll"))
LIST = LuaScript(LEASE_TAKE_LUA, _source("list"))
LIST_DIGEST = LuaScript(_source("list_digest"))
DETAIL = LuaScript(_source("detail"))
VISIT = LuaScript(_source("visit"))
BUILD_BEGIN = LuaScript(_source("build_begin"))
BUILD_INSTALL = LuaScript(_source("build_install"))
VISITS_TAKE = LuaScript(_source("visits_take"))
