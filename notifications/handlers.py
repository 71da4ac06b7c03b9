"""The events other apps emit through ``treehole.hooks``, received inside the writer's
transaction (registered in ``apps.py``). Each passes its payload to a service.

- ``comment_published`` ``{comment_id, note_id, author_id, display_name, reply_to_author_id}``:
  a comment became visible to others (created and not held, or approved). ``display_name`` is
  the thread's own name for the author (洞主 / an alias / a signed note's username).
- ``comment_withdrawn`` ``(comment_id=, note_id=)``: a comment was deleted (by its author, the
  note's author, staff, or a moderator hiding it).
- ``content_moderated`` ``{action, target_type, target_id, author_id, actor_id, reason, excerpt,
  event_id}``: ``action`` is hidden / deleted / folded / unfolded / approved.
- ``user_banned`` ``{user_id, actor_id, until, reason, event_id}``.
- ``reports_closed`` ``{outcome, reports: [(report id, reporter id)], actor_id}``.
"""

from __future__ import annotations

from notifications import services


def on_comment_published(event: dict) -> None:
    services.comment_published(
        comment_id=event["comment_id"], note_id=event["note_id"], author_id=event["author_id"],
        display_name=event["display_name"], reply_to_author_id=event.get("reply_to_author_id"),
    )


def on_comment_withdrawn(*, comment_id: int, note_id: int) -> None:
    services.comment_withdrawn(comment_id=comment_id)


def on_content_moderated(event: dict) -> None:
    services.content_moderated(
        action=event["action"], target_type=event["target_type"], target_id=event["target_id"],
        author_id=event.get("author_id"), actor_id=event.get("actor_id"), reason=event.get("reason", ""),
        excerpt=event.get("excerpt", ""), event_id=event["event_id"],
    )


def on_user_banned(event: dict) -> None:
    services.user_banned(user_id=event["user_id"], actor_id=event.get("actor_id"), until=event.get("until"),
                         reason=event.get("reason", ""), event_id=event["event_id"])


def on_reports_closed(event: dict) -> None:
    services.reports_closed(outcome=event["outcome"], reports=event["reports"], actor_id=event.get("actor_id"))
