"""The contract's Comment object, built from a cached card without queries.

A card stores the display name fixed at write time (``洞主``, the note's alias, or the username
on a non-anonymous note) and the author's id, used only to answer ``is_me``: for a comment on an
anonymous note no answer ever carries the author's id, username or avatar."""

from __future__ import annotations

from collections.abc import Mapping


def _flag(value) -> str:
    return "1" if value else "0"


def shown_username(user) -> str:
    """The username a signed comment shows; "" for a deleted account (shown as 已注销用户)."""
    return "" if user.deleted_at is not None else user.username


def card_from_comment(comment, *, note, display_name: str, reply_display: str) -> dict[str, str]:
    author = comment.author
    reply = comment.reply_to
    return {
        "id": str(comment.pk),
        "note_id": str(comment.note_id),
        "floor": str(comment.floor),
        "content": comment.content,
        "author_id": str(comment.author_id),
        "author_username": "" if note.anonymous else shown_username(author),
        "author_avatar": "" if note.anonymous or author.deleted_at is not None else (author.avatar_url or ""),
        "display_name": display_name,
        "anonymous": _flag(note.anonymous),
        "is_note_author": _flag(comment.author_id == note.author_id),
        "reply_id": str(reply.pk) if reply else "",
        "reply_floor": str(reply.floor) if reply else "",
        "reply_display": reply_display,
        "deleted": _flag(comment.deleted),
        "folded": _flag(comment.folded),
        "held": _flag(comment.held),
        "created_at": comment.created_at.isoformat(),
    }


def comment_serialize(card: Mapping[str, str], *, viewer=None) -> dict:
    """The contract's Comment as ``viewer`` may see it. A deleted comment keeps its floor with
    empty content and a null author; a held one looks the same to everyone but its author
    (plus the ``pending_review`` extension)."""
    viewer_id = str(viewer.pk) if getattr(viewer, "is_authenticated", False) else None
    is_me = viewer_id is not None and viewer_id == card["author_id"]
    deleted = card["deleted"] == "1"
    hidden_from_viewer = card.get("held") == "1" and not is_me
    reply_to = None
    if card.get("reply_id"):
        reply_to = {"id": card["reply_id"], "floor": int(card["reply_floor"]), "display_name": card["reply_display"]}
    body = {
        "id": card["id"],
        "note_id": card["note_id"],
        "floor": int(card["floor"]),
        "content": "" if deleted or hidden_from_viewer else card["content"],
        "author": None,
        "reply_to": reply_to,
        "deleted": deleted,
        "folded": card.get("folded") == "1",
        "pending_review": card.get("held") == "1" and not deleted,
        "created_at": card["created_at"],
    }
    if not deleted and not hidden_from_viewer:
        anonymous = card["anonymous"] == "1"
        author = {
            "display_name": card["display_name"],
            "avatar_url": None if anonymous else (card["author_avatar"] or None),
            "anonymous": anonymous,
            "is_me": is_me,
            "is_note_author": card["is_note_author"] == "1",
        }
        if not anonymous and not card["author_username"]:
            author = {**author, "is_me": False, "deleted": True}  # a deleted account: no id, no username
        elif not anonymous:
            author = {"id": card["author_id"], "username": card["author_username"], **author}
        body["author"] = author
    return body
