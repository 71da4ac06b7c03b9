"""The contract's Note object and the author shape, built without queries.

A note travels as a *card*: a flat ``dict[str, str]``, exactly what the Redis info hash
``note:info:{id}`` holds (see notes/ranking.py). ``card_from_note`` makes one from rows (for fills
and database pages), ``note_serialize`` turns one into the API's Note. The card carries the
author's id even for anonymous notes (to answer ``is_me``); only these functions decide what a
viewer sees, and for an anonymous note that is never the id, the username or the avatar.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from accounts.serializers import DELETED_DISPLAY_NAME
from treehole import clock
from uploads.services import image_serialize

ANONYMOUS_DISPLAY_NAME = "洞主"

# Card fields: `poll` (JSON, "" for none) with its own version `pv` (ballots do not touch the
# note row), the version `v` of the counters, the time score `t` (creation, epoch seconds), the
# card's layout `fmt` (CARD_FORMAT).
CARD_FIELDS = (
    "id", "number", "title", "content", "content_warning", "category", "category_name", "author_id", "author_username",
    "author_avatar", "anonymous", "approve", "against", "score", "visits", "comment_count",
    "hidden", "folded", "held", "created_at", "updated_at", "edited_at", "t", "images", "video", "poll", "pv",
    "v", "fmt",
)
# Bumped whenever CARD_FIELDS changes: a cached card of another layout (written before an upgrade)
# is treated as missing and refilled from the database, never served with a field absent.
CARD_FORMAT = "5"


def card_current(card: Mapping[str, str]) -> bool:
    return card.get("fmt") == CARD_FORMAT


def _flag(value) -> str:
    return "1" if value else "0"


def video_serialize(stored) -> dict | None:
    """The Note's ``video`` extension: ``{id, url, content_type, size}`` or null."""
    if stored is None:
        return None
    return {"id": str(stored.pk), "url": stored.url, "content_type": stored.content_type, "size": stored.size}


def time_score(created_at: datetime) -> float:
    """The `new` ranking's score: creation time in epoch seconds with microseconds (exact in a
    double, so Redis orders exactly like the database's ``created_at``)."""
    return created_at.timestamp()


_NO_POLL = object()


def poll_card(poll, options) -> str:
    """A poll and its options (in order) as the card's ``poll`` field."""
    return json.dumps({
        "question": poll.question,
        "multiple": bool(poll.multiple),
        "closes_at": poll.closes_at.isoformat() if poll.closes_at else None,
        "total_voters": poll.total_voters,
        "options": [{"id": str(option.pk), "text": option.text, "votes": option.votes} for option in options],
    }, ensure_ascii=False, separators=(",", ":"))


def _note_poll(note):
    """The note's poll row (select_related("poll") + prefetched options, or one query each)."""
    from notes.models import Poll

    try:
        return note.poll
    except Poll.DoesNotExist:
        return None


def card_from_note(note, *, pending_visits: int = 0, images=None, poll=_NO_POLL) -> dict[str, str]:
    """A note row (with category, author, author.avatar, video, note_images→image, poll and
    poll→options loaded) as a card. ``images`` (Image rows, in order) and ``poll`` (``(Poll,
    [PollOption])`` or None) save the queries when the caller has them."""
    author = note.author
    if images is None:
        images = [link.image for link in note.note_images.all()]
    if poll is _NO_POLL:
        row = _note_poll(note)
        poll = (row, list(row.options.all())) if row is not None else None
    images = [image_serialize(image) for image in images]
    return {
        "id": str(note.pk),
        "number": str(note.number),
        "title": note.title,
        "content": note.content,
        "content_warning": note.content_warning,
        "category": note.category.slug,
        "category_name": note.category.name,
        "author_id": str(note.author_id),
        # "" for a deleted account (a real username has at least 2 characters): shown as 已注销用户.
        "author_username": "" if author.deleted_at is not None else author.username,
        "author_avatar": "" if author.deleted_at is not None else (author.avatar_url or ""),
        "anonymous": _flag(note.anonymous),
        "approve": str(note.approve),
        "against": str(note.against),
        "score": str(note.score),
        "visits": str(note.visits + pending_visits),
        "comment_count": str(note.comment_count),
        "hidden": _flag(note.hidden),
        "folded": _flag(note.folded),
        "held": _flag(note.held),
        "created_at": note.created_at.isoformat(),
        "updated_at": note.updated_at.isoformat(),
        "edited_at": note.edited_at.isoformat() if note.edited_at else "",
        "t": repr(time_score(note.created_at)),
        "images": json.dumps(images, ensure_ascii=False, separators=(",", ":")),
        "video": json.dumps(video_serialize(note.video), ensure_ascii=False, separators=(",", ":")),
        "poll": poll_card(*poll) if poll else "",
        "pv": str(poll[0].version) if poll else "0",
        "v": str(note.version),
        "fmt": CARD_FORMAT,
    }


def author_shape(*, author_id: int, username: str, avatar_url: str | None, anonymous: bool, viewer) -> dict:
    """The contract's author of a note or comment. Anonymous: ``洞主`` and nothing that identifies."""
    viewer_id = getattr(viewer, "pk", None) if getattr(viewer, "is_authenticated", False) else None
    is_me = viewer_id is not None and int(viewer_id) == int(author_id)
    if anonymous:
        return {"display_name": ANONYMOUS_DISPLAY_NAME, "avatar_url": None, "anonymous": True, "is_me": is_me}
    if not username:
        # A signed note of a deleted account: no id, no username (accounts/deletion.py).
        return {"display_name": DELETED_DISPLAY_NAME, "avatar_url": None, "anonymous": False, "is_me": False,
                "deleted": True}
    return {
        "id": str(author_id),
        "username": username,
        "display_name": username,
        "avatar_url": avatar_url or None,
        "anonymous": False,
        "is_me": is_me,
    }


def note_author(note, viewer) -> dict:
    """The author of ``note`` (a Note row or a card) as ``viewer`` may see it. Comments use this for
    the note's author (shown as 洞主 on an anonymous note, in the note and in its comments)."""
    if isinstance(note, Mapping):
        return author_shape(
            author_id=int(note["author_id"]),
            username=note["author_username"],
            avatar_url=note.get("author_avatar") or None,
            anonymous=note["anonymous"] == "1",
            viewer=viewer,
        )
    anonymous = note.anonymous
    author = None if anonymous or note.author.deleted_at is not None else note.author
    return author_shape(
        author_id=note.author_id,
        username=author.username if author else "",
        avatar_url=author.avatar_url if author else None,
        anonymous=anonymous,
        viewer=viewer,
    )


def poll_serialize(raw: str, *, my_choices: Sequence[str] = (), now: datetime | None = None) -> dict | None:
    """The contract's Poll from the card's ``poll`` field, for a viewer who chose ``my_choices``
    (option ids). The votes stay null until the viewer has voted or the poll has closed."""
    if not raw:
        return None
    poll = json.loads(raw)
    closes_at = poll["closes_at"]
    closed = closes_at is not None and (now or clock.now()) >= datetime.fromisoformat(closes_at)
    mine = [option["id"] for option in poll["options"] if option["id"] in set(my_choices)]
    shown = bool(mine) or closed
    return {
        "question": poll["question"],
        "options": [{"id": option["id"], "text": option["text"], "votes": option["votes"] if shown else None}
                    for option in poll["options"]],
        "multiple": poll["multiple"],
        "closes_at": closes_at,
        "my_choices": mine,
        "total_voters": poll["total_voters"],
        "closed": closed,
    }


def note_serialize(
    card: Mapping[str, str],
    *,
    viewer=None,
    my_vote: int = 0,
    folded: bool | None = None,
    following: bool = False,
    bookmarked: bool = False,
    my_choices: Sequence[str] = (),
) -> dict:
    """The contract's Note (plus the ``video`` extension) from a card. ``folded`` overrides the
    card's flag (moderation may fold for reasons of its own); ``following``/``bookmarked`` are the
    viewer's relations to it (false for a signed-out viewer); ``my_choices`` the poll options the
    viewer chose."""
    return {
        "id": card["id"],
        "number": int(card["number"]),
        "title": card["title"],
        "content": card["content"],
        "content_warning": card.get("content_warning", ""),
        "category": {"slug": card["category"], "name": card["category_name"]},
        "images": json.loads(card["images"]) if card.get("images") else [],
        "video": json.loads(card["video"]) if card.get("video") else None,
        "author": note_author(card, viewer),
        "approve": int(card["approve"]),
        "against": int(card["against"]),
        "score": int(card["score"]),
        "visits": int(card["visits"]),
        "comment_count": int(card["comment_count"]),
        "my_vote": int(my_vote),
        "following": bool(following),
        "bookmarked": bool(bookmarked),
        "folded": bool(folded) if folded is not None else card.get("folded") == "1",
        "pending_review": card.get("held") == "1",
        "created_at": card["created_at"],
        "updated_at": card["updated_at"],
        "edited_at": card.get("edited_at") or None,
        "poll": poll_serialize(card.get("poll") or "", my_choices=my_choices),
    }

