"""The one registry through which a higher app plugs into a lower one.

The layers point one way (treehole ← accounts ← uploads ← moderation ← notes / comments / chat ←
notifications): a lower app never imports a higher one, not even inside a function. When a lower
app needs something from above — moderation must fold a note, ``rebuild_redis`` must rebuild the
comment cache, ``seed_demo`` must create demo chat messages — it asks this registry for whatever
was registered under a name, and the higher app registers it from its ``AppConfig.ready()``::

    # notes/apps.py
    def ready(self):
        from treehole import hooks
        from notes import moderation, ranking
        hooks.register("moderation_target", moderation.NOTE_TARGET)
        hooks.register("rebuild_redis", ranking.rebuild_all, order=-10)

    # moderation/targets.py
    for kind in hooks.get_hooks("moderation_target"): ...

A hook is whatever the name's consumer expects — usually a function, sometimes an object (a
moderation target kind). The hook names in use, each documented where it is consumed:

- ``moderation_target``   a ``moderation.targets.TargetKind`` for one reportable kind
- ``rebuild_redis``       ``step(stdout)``, one step of ``manage.py rebuild_redis``
- ``demo_data``           ``seeder(users)``, one app's part of ``manage.py seed_demo``
- ``note_deleted``        ``hook(note_id)``, after a note's deleting transaction committed
- ``rebuild_search``      ``step(stdout, reconcile_only)``, one step of ``manage.py rebuild_search``
- ``search_comments``     ``hook(note_ids) -> {note_id: [CommentText]}``, the searchable comments (notes/search)
- ``comment_created``     ``hook(comment)``, once a new comment's transaction committed
- ``rich_text_rule``      a ``treehole.richtext.LinkRule``: more links in notes' and comments' text
- ``staff_signed_in``     ``hook(user=, ip=, door=)``, a staff account passed a login door (moderation audits it)
- ``comment_published`` · ``comment_withdrawn`` · ``content_moderated`` · ``user_banned`` ·
  ``reports_closed``  events emitted inside the writer's transaction (notifications/handlers.py)
- ``user_delete``         ``step(user=)``, an app's part of deleting an account, inside its transaction (accounts/deletion.py)
- ``reserved_usernames``  ``hook() -> iterable of names`` nobody may register (comments: the aliases)
- ``username_screen``     ``screen(text, field=)``, raises on a refused username (moderation's word filter)
- ``avatar_take`` · ``avatar_upload``  the profile's avatar image (uploads; accounts.services.avatar_hook)
- ``access_token_expiry`` ``expiry(token) -> float | None`` of a Bearer token (accounts; the rate limiter)
- ``page_cache_key``      ``part() -> JSON-able``, what every cached page shows besides its context (treehole/pagecache.py)
- ``user_export`` · ``seed_import``  each app's part of the data export / ``manage.py import_seed``

Same idea as Wagtail's ``wagtail.hooks`` (``register`` / ``get_hooks`` / ``register_temporarily``),
without its module autodiscovery: Django already runs every ``ready()`` before the first request,
command or test, and registering there keeps the wiring visible in each app's ``apps.py``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from contextlib import ContextDecorator
from typing import Any

# name -> [(order, sequence, hook)]; `sequence` keeps registration order among equal `order`s.
_hooks: dict[str, list[tuple[int, int, Any]]] = {}
_sequence = itertools.count()


def register(name: str, hook: Any = None, *, order: int = 0):
    """Register ``hook`` under ``name``; without ``hook``, a decorator that registers the function.

    Hooks come back from :func:`get_hooks` sorted by ``order`` (lower first), then in the order
    they were registered (``INSTALLED_APPS`` order, as each ``ready()`` runs). Registering the
    same object twice under one name is a no-op, so a ``ready()`` that runs twice is harmless.
    """
    if hook is None:

        def decorator(function: Callable) -> Callable:
            register(name, function, order=order)
            return function

        return decorator
    entries = _hooks.setdefault(name, [])
    if not any(existing is hook for _, _, existing in entries):
        entries.append((order, next(_sequence), hook))
    return hook


def unregister(name: str, hook: Any) -> None:
    """Remove ``hook`` from ``name`` (no error when it was not registered)."""
    entries = _hooks.get(name, [])
    entries[:] = [entry for entry in entries if entry[2] is not hook]


def get_hooks(name: str) -> list[Any]:
    """Everything registered under ``name``, by ``order`` then registration; [] for none."""
    return [hook for _, _, hook in sorted(_hooks.get(name, ()), key=lambda entry: entry[:2])]


class register_temporarily(ContextDecorator):  # noqa: N801 - reads as a function, like Wagtail's
    """Register hooks for the duration of a ``with`` block (or a decorated test), then remove them.

        with hooks.register_temporarily("note_deleted", record):
            ...
        with hooks.register_temporarily([("rebuild_redis", step), ("demo_data", seeder)]):
            ...
    """

    def __init__(self, name_or_pairs: str | list[tuple[str, Any]], hook: Any = None, *, order: int = 0):
        if isinstance(name_or_pairs, str):
            if hook is None:
                raise TypeError("register_temporarily(name, hook) needs the hook")
            self.pairs = [(name_or_pairs, hook)]
        else:
            self.pairs = list(name_or_pairs)
        self.order = order
        self._added: list[tuple[str, Any]] = []

    def __enter__(self):
        for name, hook in self.pairs:
            if not any(existing is hook for existing in get_hooks(name)):
                register(name, hook, order=self.order)
                self._added.append((name, hook))
        return self

    def __exit__(self, *exc_info):
        for name, hook in reversed(self._added):
            unregister(name, hook)
        self._added = []
        return False

