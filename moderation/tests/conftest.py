"""Fixtures: a registered in-memory target kind ("thing") so the moderation flows are tested on
their own; the real kinds (note, comment, message) are tested in their owners' apps."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from moderation import targets
from moderation.filters import matcher
from moderation.care import state as care_state
from treehole import hooks


@dataclass
class Thing:
    pk: int
    author: object
    content: str
    folded: bool = False
    hidden: bool = False
    held: bool = False
    deleted: bool = False
    anonymous: bool = True
    calls: list = field(default_factory=list)


class ThingKind(targets.TargetKind):
    """Backed by a dict; its callbacks record what moderation asked of the owner."""

    name = "thing"
    can_fold = True
    can_hold = True

    def __init__(self):
        self.rows: dict[int, Thing] = {}

    def add(self, pk, author, content="一条内容", **kwargs) -> Thing:
        self.rows[pk] = Thing(pk=pk, author=author, content=content, **kwargs)
        return self.rows[pk]

    def load(self, target_id):
        thing = self.rows.get(target_id)
        return None if thing is None or thing.deleted else thing

    def author(self, obj):
        return obj.author

    def anonymous(self, obj):
        return obj.anonymous

    def text(self, obj):
        return obj.content

    def visible_to(self, obj, user):
        if obj.hidden:
            return user.is_staff
        if obj.held:
            return user.is_staff or obj.author.pk == user.pk
        return True

    def fold(self, obj, folded):
        obj.calls.append(("fold", folded))
        obj.folded = folded

    def hide(self, obj, **kwargs):
        obj.calls.append(("hide",))
        obj.hidden = True

    def delete(self, obj, **kwargs):
        obj.calls.append(("delete",))
        obj.deleted = True

    def approve(self, obj, **kwargs):
        obj.calls.append(("approve",))
        obj.held = False


@pytest.fixture
def things():
    kind = ThingKind()
    with hooks.register_temporarily(targets.HOOK, kind):
        yield kind


@pytest.fixture(autouse=True)
def fresh_lists():
    """Every test compiles the lists from its own database rows."""
    matcher.invalidate()
    care_state.invalidate()
    yield
    matcher.invalidate()
    care_state.invalidate()
