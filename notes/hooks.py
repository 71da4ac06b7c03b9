"""Hooks other apps register into, so notes never imports them.

Comments (built later) registers its Redis cleanup for a deleted note:

    from notes.hooks import on_note_deleted

    @on_note_deleted
    def drop_comment_keys(note_id: int) -> None:
        ...

Hooks run after the deleting transaction commits (the comment rows are already gone by cascade);
a failing hook is logged and does not stop the others (a rebuild repairs Redis).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

_note_deleted: list[Callable[[int], None]] = []


def on_note_deleted(hook: Callable[[int], None]) -> Callable[[int], None]:
    if hook not in _note_deleted:
        _note_deleted.append(hook)
    return hook


def run_note_deleted(note_id: int) -> None:
    for hook in list(_note_deleted):
        try:
            hook(note_id)
        except Exception:  # noqa: BLE001 - one app's cleanup must not break another's
            logger.exception("note-deleted hook %s failed for note %s", getattr(hook, "__name__", hook), note_id)
