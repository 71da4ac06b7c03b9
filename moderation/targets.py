"""The registry of reportable things ("note", "comment", "message").

Moderation never touches another app's rows or Redis keys itself: each kind says how to load a
target, who wrote it, what text to show moderators, and which of its owner's *services* fold,
hide, delete or approve it (so the owner's caches and rankings stay right). Registering a kind
is one line at the bottom of this module (or in the owner's ``AppConfig.ready``)::

    register(ModelTarget("comment", "comments.Comment", fold_service="moderation.targets.comment_fold", ...))

Callbacks are dotted paths imported on first use, so this module imports no other app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from treehole.errors import InvalidInput


class TargetKind:
    """What moderation needs to know about one kind of target. Subclass, or use ModelTarget."""

    name: str  # the API's target_type
    can_fold = False  # has a `folded` flag the reports can set
    can_hold = False  # can be saved visible only to its author

    def load(self, target_id: int) -> Any | None:
        """The target, or None when it does not exist (or is already deleted)."""
        raise NotImplementedError

    def author(self, obj) -> Any | None:
        raise NotImplementedError

    def anonymous(self, obj) -> bool:
        return False

    def text(self, obj) -> str:
        raise NotImplementedError

    def visible_to(self, obj, user) -> bool:
        """May ``user`` see (and so report) it?"""
        return True

    def url(self, obj) -> str | None:
        return None

    # Actions: each goes through the owning app's services.
    def fold(self, obj, folded: bool) -> None:
        pass

    def hide(self, obj, *, moderator=None) -> None:
        raise NotImplementedError

    def delete(self, obj, *, moderator=None) -> None:
        raise NotImplementedError

    def approve(self, obj, *, moderator=None) -> None:
        """Make held content visible to everyone."""


def _call(path: str | Callable | None, *args, **kwargs):
    if path is None:
        return None
    function = import_string(path) if isinstance(path, str) else path
    return function(*args, **kwargs)


@dataclass
class ModelTarget(TargetKind):
    """A target backed by a model, with its owner's service functions as dotted paths.

    Each callback is called as ``f(obj, folded=...)`` (fold) or ``f(obj, moderator=...)``
    (hide, delete, approve); ``hidden_field``/``held_field`` name booleans that make a row invisible to
    others (a held row stays visible to its author)."""

    name: str
    model: str  # "app_label.Model"
    text_fields: tuple[str, ...] = ("content",)
    author_field: str = "author"
    anonymous_field: str | None = None
    hidden_field: str | None = None
    held_field: str | None = None
    url_name: str | None = None  # reverse(url_name, args=[id])
    label: str = ""
    fold_service: str | Callable | None = None
    hide_service: str | Callable | None = None
    delete_service: str | Callable | None = None
    approve_service: str | Callable | None = None
    select_related: tuple[str, ...] = field(default_factory=tuple)

    @property
    def can_fold(self) -> bool:  # type: ignore[override]
        return self.fold_service is not None

    @property
    def can_hold(self) -> bool:  # type: ignore[override]
        return self.held_field is not None

    def model_class(self):
        return apps.get_model(self.model)

    def load(self, target_id: int):
        return self.model_class().objects.select_related(*self.select_related).filter(pk=target_id).first()

    def author(self, obj):
        return getattr(obj, self.author_field, None)

    def anonymous(self, obj) -> bool:
        return bool(self.anonymous_field and getattr(obj, self.anonymous_field, False))

    def text(self, obj) -> str:
        return "\n".join(str(getattr(obj, name, "") or "") for name in self.text_fields)

    def visible_to(self, obj, user) -> bool:
        if self.hidden_field and getattr(obj, self.hidden_field, False):
            return bool(getattr(user, "is_staff", False))
        if self.held_field and getattr(obj, self.held_field, False):
            return bool(getattr(user, "is_staff", False)) or getattr(obj, f"{self.author_field}_id", None) == user.pk
        return True

    def url(self, obj):
        if not self.url_name:
            return None
        from django.urls import NoReverseMatch, reverse

        try:
            return reverse(self.url_name, args=[obj.pk])
        except NoReverseMatch:
            return None

    def fold(self, obj, folded: bool) -> None:
        _call(self.fold_service, obj, folded=folded)

    def hide(self, obj, *, moderator=None) -> None:
        _call(self.hide_service or self.delete_service, obj, moderator=moderator)

    def delete(self, obj, *, moderator=None) -> None:
        _call(self.delete_service, obj, moderator=moderator)

    def approve(self, obj, *, moderator=None) -> None:
        _call(self.approve_service, obj, moderator=moderator)


_registry: dict[str, TargetKind] = {}


def register(kind: TargetKind) -> TargetKind:
    _registry[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    _registry.pop(name, None)


def names() -> list[str]:
    return list(_registry)


def get(name: str) -> TargetKind:
    kind = _registry.get(name)
    if kind is None:
        message = _("举报对象类型只能是：%(names)s。") % {"names": ", ".join(_registry) or "-"}
        raise InvalidInput(message, fields={"target_type": [message]})
    return kind


def is_registered(name: str) -> bool:
    return name in _registry


# --- the built-in kinds ---------------------------------------------------------------------------
# Adapters from the registry's calls to each owner's service (keyword-only, by id).


def note_fold(note, *, folded, **_):
    from notes.services.moderate import note_set_folded

    note_set_folded(note_id=note.pk, folded=folded)


def note_hide(note, **_):
    from notes.services.moderate import note_set_hidden

    note_set_hidden(note_id=note.pk, hidden=True)


def note_delete(note, *, moderator, **_):
    from notes.services.delete import note_delete as delete

    delete(note_id=note.pk, user=moderator)


def note_approve(note, **_):
    from notes.services.moderate import note_set_held

    note_set_held(note_id=note.pk, held=False)


def comment_fold(comment, *, folded, **_):
    from comments.services import comment_set_flags

    comment_set_flags(comment_id=comment.pk, folded=folded)


def comment_delete(comment, *, moderator, **_):
    from comments.services import comment_delete as delete

    delete(user=moderator, comment_id=comment.pk)


def comment_approve(comment, **_):
    from comments.services import comment_set_flags

    comment_set_flags(comment_id=comment.pk, held=False)


def message_delete(message, **_):
    from chat.services import chat_message_delete

    chat_message_delete(message_id=message.pk)


# One line per kind. A kind is registered only once its model and the services it names exist
# (``register_available``), so a checkout where an owner has not landed their part simply has
# fewer reportable kinds instead of failing.
BUILTIN = [
    (ModelTarget("note", "notes.Note", text_fields=("title", "content"), anonymous_field="anonymous", hidden_field="hidden",
                 held_field="held", fold_service=note_fold, hide_service=note_hide, delete_service=note_delete,
                 approve_service=note_approve, select_related=("author",)),
     ("notes.services.moderate.note_set_folded", "notes.services.moderate.note_set_hidden",
      "notes.services.moderate.note_set_held", "notes.services.delete.note_delete")),
    (ModelTarget("comment", "comments.Comment", held_field="held", hidden_field="deleted", fold_service=comment_fold, hide_service=comment_delete,
                 delete_service=comment_delete, approve_service=comment_approve, select_related=("author",)),
     ("comments.services.comment_set_flags", "comments.services.comment_delete")),
    (ModelTarget("message", "chat.ChatMessage", author_field="user", hide_service=message_delete, delete_service=message_delete,
                 select_related=("user",)),
     ("chat.services.chat_message_delete",)),
]


def register_available() -> list[str]:
    """Register each built-in kind whose model and services are importable (AppConfig.ready)."""
    registered = []
    for kind, services in BUILTIN:
        try:
            apps.get_model(kind.model)
            for path in services:
                import_string(path)
        except (LookupError, ImportError):
            continue
        register(kind)
        registered.append(kind.name)
    return registered
