"""A notification as the contract's JSON (``Notification`` in ../shared/API.md).

The actor is the name the thread itself shows (stored when the event happened, from
comments' own display rule), never an id; moderators and the system are never named. ``text``
is composed here, in the reader's language: a comment's or reply's excerpt while that comment is
still visible (deleted, hidden or held again: no text), the moderator's reason, the ban's end,
or only "handled" / "no violation found" for a report.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from notifications.models import Notification

EXCERPT_LENGTH = 80

_ACTIONS = {
    "hidden": lambda target: _("你的%(target)s已被隐藏。") % {"target": target},
    "deleted": lambda target: _("你的%(target)s已被删除。") % {"target": target},
    "folded": lambda target: _("你的%(target)s已被折叠。") % {"target": target},
    "unfolded": lambda target: _("你的%(target)s已取消折叠。") % {"target": target},
    "approved": lambda target: _("你的%(target)s已通过审核，现在大家都能看到了。") % {"target": target},
}


def _target_name(target_type: str) -> str:
    return {"note": _("帖子"), "comment": _("评论"), "message": _("聊天消息")}.get(target_type, _("内容"))


def _excerpt(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= EXCERPT_LENGTH else text[:EXCERPT_LENGTH - 1] + "…"


def notification_text(row: Notification) -> str:
    detail = row.detail or {}
    if row.kind in (Notification.Kind.COMMENT, Notification.Kind.REPLY):
        comment = row.comment
        if comment is None or comment.deleted or comment.held:
            return ""
        return _excerpt(comment.content)
    if row.kind == Notification.Kind.MODERATION:
        action = _ACTIONS.get(detail.get("action"))
        text = action(_target_name(detail.get("target_type", ""))) if action else _("你的内容有了审核结果。")
        if detail.get("excerpt"):
            text += " " + _("内容：「%(excerpt)s」") % {"excerpt": _excerpt(detail["excerpt"])}
        if detail.get("reason"):
            text += " " + _("原因：%(reason)s") % {"reason": detail["reason"]}
        return text
    if row.kind == Notification.Kind.BAN:
        until = detail.get("until")
        if until:
            moment = timezone.localtime(datetime.fromisoformat(until))
            text = _("你的账号已被封禁，至 %(until)s 解除。") % {"until": formats.date_format(moment, "Y-m-d H:i")}
        else:
            text = _("你的账号已被永久封禁。")
        if detail.get("reason"):
            text += " " + _("原因：%(reason)s") % {"reason": detail["reason"]}
        return text
    if row.kind == Notification.Kind.REPORT_HANDLED:
        if detail.get("outcome") == "no_violation":
            return _("你的举报已审核：未发现违规。")
        return _("你的举报已处理。")
    return ""


def notification_serialize(row: Notification, *, viewer_id: int) -> dict:
    """``row`` with ``note`` and ``comment`` selected (notifications.selectors does)."""
    note = None
    if row.note_id is not None and row.note is not None:
        shown = not row.note.hidden or row.note.author_id == viewer_id
        note = {"id": str(row.note.pk), "number": row.note.number, "title": row.note.title if shown else ""}
    comment = None
    if row.comment_id is not None and row.comment is not None:
        comment = {"id": str(row.comment.pk), "floor": row.comment.floor}
    return {
        "id": str(row.pk),
        "kind": row.kind,
        "note": note,
        "comment": comment,
        "actor": {"display_name": row.actor_name} if row.actor_name else None,
        "count": row.count,
        "read": row.read_at is not None,
        "text": notification_text(row),
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }
