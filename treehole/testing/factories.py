"""Factories: real rows made through the apps' own services (so Redis, counters and caches are
as production leaves them), with defaults a test can override.

The apps are imported inside each factory: this module is loaded by the pytest plugin while
pytest starts, and a factory's app is only needed when a test calls it.
"""

from __future__ import annotations

import itertools

DEFAULT_PASSWORD = "correct-horse-battery-9"
CATEGORIES = [("emotion", "情感"), ("study", "学业"), ("life", "生活"), ("help", "求助"), ("chat", "闲聊")]

_users = itertools.count(1)
_notes = itertools.count(1)


def make_user(username: str | None = None, password: str = DEFAULT_PASSWORD, **fields):
    """A saved user (``username`` and ``email`` made up unless given)."""
    from accounts.models import User

    n = next(_users)
    username = username or f"user{n}"
    user = User(username=username, email=fields.pop("email", f"{username}@example.com"), **fields)
    user.set_password(password)
    user.save()
    return user


def token_client(user):
    """An API client signed in as ``user`` with a fresh access token."""
    from accounts.tokens import issue_pair

    from treehole.testing.client import ApiClient

    return ApiClient(token=issue_pair(user)["access"])


def make_categories() -> dict:
    """The five categories the seed has, by slug (existing rows are kept)."""
    from notes.models import Category
    from notes.ranking import categories_changed

    rows = {}
    for order, (slug, name) in enumerate(CATEGORIES):
        rows[slug], _created = Category.objects.get_or_create(slug=slug, defaults={"name": name, "order": order})
    categories_changed()
    return rows


def make_note(author, *, category: str = "emotion", anonymous: bool = True, **fields):
    """A note published through ``note_create`` (title and content numbered unless given)."""
    from notes.services import note_create

    n = next(_notes)
    return note_create(
        author=author,
        title=fields.pop("title", f"标题 {n}"),
        content=fields.pop("content", f"树洞里的第 {n} 句心里话"),
        category=category,
        anonymous=anonymous,
        **fields,
    )

