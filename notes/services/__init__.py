"""Writes for notes, one module per verb (DESIGN: a growing services.py becomes a package).
Other apps import from here: ``from notes.services import note_comment_count_add``."""

from notes.services.counters import note_comment_count_add, visits_flush
from notes.services.create import note_create
from notes.services.delete import note_delete
from notes.services.filters import note_filter_save
from notes.services.poll import poll_recount, poll_vote
from notes.services.moderate import note_set_folded, note_set_held, note_set_hidden
from notes.services.relations import (
    follow_add,
    note_bookmark,
    note_follow,
    note_follow_seen,
    note_unbookmark,
    note_unfollow,
)
from notes.services.update import UNSET, note_update
from notes.services.vote import VoteResult, note_recount, note_vote

__all__ = [
    "UNSET",
    "VoteResult",
    "follow_add",
    "note_bookmark",
    "note_comment_count_add",
    "note_create",
    "note_delete",
    "note_filter_save",
    "note_follow",
    "note_follow_seen",
    "note_recount",
    "note_set_folded",
    "note_set_held",
    "note_set_hidden",
    "note_unbookmark",
    "note_unfollow",
    "note_update",
    "note_vote",
    "poll_recount",
    "poll_vote",
    "visits_flush",
]
