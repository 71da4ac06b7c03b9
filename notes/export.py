"""notes' part of a member's data export (accounts/export.py): their notes — anonymous ones too,
they are their own — with image URLs, their polls and earlier versions, and their votes, poll
ballots, bookmarks and follows (note ids only:
whose notes those are is not theirs to take away)."""

from __future__ import annotations

from collections.abc import Iterator

from notes.models import Bookmark, Follow, Note, NoteImage, NoteRevision, PollBallot, PollChoice, PollOption, Vote
from treehole.streaming import keyset, keyset_batches


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


NOTE_FIELDS = (
    "id", "title", "content", "category__slug", "anonymous", "approve", "against", "visits", "comment_count",
    "hidden", "folded", "held", "created_at", "updated_at", "video__file", "number", "content_warning", "edited_at",
)


def _notes(user) -> Iterator[dict]:
    from django.core.files.storage import default_storage

    for rows in keyset_batches(Note.objects.filter(author_id=user.pk).values(*NOTE_FIELDS)):
        images: dict[int, list[str]] = {}
        links = (
            NoteImage.objects.filter(note_id__in=[row["id"] for row in rows])
            .order_by("note_id", "position")
            .values_list("note_id", "image__file")
        )
        for note_id, name in links:
            images.setdefault(note_id, []).append(default_storage.url(name))
        polls: dict[int, dict] = {}
        options = (
            PollOption.objects.filter(poll_id__in=[row["id"] for row in rows]).select_related("poll")
            .order_by("poll_id", "position")
        )
        for option in options:
            poll = polls.setdefault(option.poll_id, {
                "question": option.poll.question, "multiple": option.poll.multiple,
                "closes_at": _iso(option.poll.closes_at), "total_voters": option.poll.total_voters, "options": [],
            })
            poll["options"].append({"id": str(option.pk), "text": option.text, "votes": option.votes})
        for row in rows:
            yield {
                "id": str(row["id"]),
                "number": row["number"],
                "title": row["title"],
                "content": row["content"],
                "content_warning": row["content_warning"],
                "category": row["category__slug"],
                "anonymous": row["anonymous"],
                "images": images.get(row["id"], []),
                "video": default_storage.url(row["video__file"]) if row["video__file"] else None,
                "approve": row["approve"],
                "against": row["against"],
                "visits": row["visits"],
                "comment_count": row["comment_count"],
                "hidden": row["hidden"],
                "folded": row["folded"],
                "pending_review": row["held"],
                "created_at": _iso(row["created_at"]),
                "updated_at": _iso(row["updated_at"]),
                "edited_at": _iso(row["edited_at"]),
                "poll": polls.get(row["id"]),
            }


def _votes(user) -> Iterator[dict]:
    for row in keyset(Vote.objects.filter(user_id=user.pk).exclude(value=0).values("id", "note_id", "value", "updated_at")):
        yield {"note_id": str(row["note_id"]), "value": row["value"], "voted_at": _iso(row["updated_at"])}


def _revisions(user) -> Iterator[dict]:
    """The earlier versions of their notes (their own words too)."""
    rows = NoteRevision.objects.filter(note__author_id=user.pk).values("id", "note_id", "title", "content", "written_at",
                                                                       "edited_at")
    for row in keyset(rows):
        yield {"note_id": str(row["note_id"]), "title": row["title"], "content": row["content"],
               "written_at": _iso(row["written_at"]), "edited_at": _iso(row["edited_at"])}


def _poll_votes(user) -> Iterator[dict]:
    """Their ballots: the note and the option ids they chose (not the options' text, which the
    poll's author wrote)."""
    for rows in keyset_batches(PollBallot.objects.filter(user_id=user.pk).values("id", "poll_id", "updated_at")):
        chosen: dict[int, list[str]] = {}
        for ballot_id, option_id in PollChoice.objects.filter(ballot_id__in=[row["id"] for row in rows]).values_list(
                "ballot_id", "option_id"):
            chosen.setdefault(ballot_id, []).append(str(option_id))
        for row in rows:
            yield {"note_id": str(row["poll_id"]), "option_ids": sorted(chosen.get(row["id"], [])),
                   "voted_at": _iso(row["updated_at"])}


def _relations(model, user) -> Iterator[dict]:
    for row in keyset(model.objects.filter(user_id=user.pk).values("id", "note_id", "created_at")):
        yield {"note_id": str(row["note_id"]), "created_at": _iso(row["created_at"])}


def export_sections(user) -> list:
    """The ``user_export`` hook."""
    return [
        ("notes", lambda: _notes(user)),
        ("note_revisions", lambda: _revisions(user)),
        ("votes", lambda: _votes(user)),
        ("poll_votes", lambda: _poll_votes(user)),
        ("bookmarks", lambda: _relations(Bookmark, user)),
        ("follows", lambda: _relations(Follow, user)),
    ]
