"""A member's data export (``GET /api/v1/me/export`` and the profile's button): one JSON file of
everything the account wrote and chose — profile, notes (anonymous ones too: they are its own),
comments, chat messages, votes, bookmarks, follows — streamed (treehole/streaming.py), never
built in memory.

accounts knows only the profile; every other app adds its sections through the ``user_export``
hook: ``sections(user) -> [(name, rows)]`` where ``rows()`` yields JSON-ready dicts a batch of
rows at a time (``treehole.streaming.keyset``). A section holds the member's own rows and never
anyone else's identity: a reply names the floor it answers, not who wrote it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from accounts.models import User
from treehole import clock, hooks
from treehole.streaming import json_document

HOOK = "user_export"
FORMAT = "treehole-export"
VERSION = 1


def iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def export_profile(user: User) -> dict:
    return {
        "id": str(user.pk),
        "username": user.username,
        "email": user.email,
        "avatar_url": user.avatar_url,
        "gender": user.gender,
        "age": user.age,
        "bio": user.bio,
        "date_joined": iso(user.date_joined),
        "last_login": iso(user.last_login),
    }


def export_sections(user: User) -> list[tuple[str, Callable[[], Iterable[dict]]]]:
    sections: list[tuple[str, Callable[[], Iterable[dict]]]] = []
    for provider in hooks.get_hooks(HOOK):
        sections.extend(provider(user))
    return sections


def export_chunks(user: User) -> Iterator[bytes]:
    """The export as bytes chunks: ``{"format", "version", "exported_at", "profile", <sections>}``."""
    head = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": clock.now().isoformat(),
        "profile": export_profile(user),
    }
    return json_document(head, export_sections(user))


def export_filename(user: User) -> str:
    return f"treehole-export-{clock.now():%Y%m%d-%H%M%S}.json"
