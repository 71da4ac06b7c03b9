"""What moderation knows about reportable things ("note", "comment", "message").

Moderation never touches another app's rows or Redis keys itself: each kind says how to load a
target, who wrote it, what text to show moderators, and which of its owner's *services* fold,
hide, delete or approve it (so the owner's caches and rankings stay right). The owner registers
its kind from its ``AppConfig.ready()`` through ``treehole.hooks``::

    hooks.register(targets.HOOK, ModelTarget("comment", "comments.Comment", fold_service=comment_fold, ...))

so this module imports no app above it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.utils.translation import gettext as _

from treehole import hooks
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


def _call(function: Callable | None, *args, **kwargs):
    return None if function is None else function(*args, **kwargs)


@dataclass
class ModelTarget(TargetKind):
    """A target backed by a model, with its owner's service functions.

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
    fold_service: Callable | None = None
    hide_service: Callable | None = None
    delete_service: Callable | None = None
    approve_service: Callable | None = None
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


HOOK = "moderation_target"


def kinds() -> dict[str, TargetKind]:
    """The reportable kinds by name, as the owning apps registered them under ``HOOK``."""
    return {kind.name: kind for kind in hooks.get_hooks(HOOK)}


def get(name: str) -> TargetKind:
    registered = kinds()
    kind = registered.get(name)
    if kind is None:
        message = _("举报对象类型只能是：%(names)s。") % {"names": ", ".join(registered) or "-"}
        raise InvalidInput(message, fields={"target_type": [message]})
    return kind
