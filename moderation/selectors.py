"""Reads for moderation."""

from __future__ import annotations

from django.db.models import QuerySet

from moderation.models import AuditLog, BanRecord, Case, Report
from treehole.pagination import Page, page_bounds, paginate


def report_list_mine(*, user, page: int, size: int | None = None) -> Page:
    """The caller's reports (rows), newest first, with their outcome (never who else reported)."""
    page, size = page_bounds(page, size)
    return paginate(Report.objects.filter(reporter=user).order_by("-id"), page=page, size=size)


def case_queue() -> QuerySet[Case]:
    """Open cases: crisis/self-harm first, then held content, then most reported, newest."""
    return Case.objects.filter(status=Case.Status.OPEN).select_related("author").order_by(*Case._meta.ordering)


def hidden_reasons(*, target_type: str, ids) -> dict[int, str]:
    """Why each of ``ids`` was hidden: the reason of the latest moderator action that hid it
    (hide, or ban of its author), for its author's own list ("我的帖子"). One query."""
    rows = (
        AuditLog.objects.filter(
            target_type=target_type, target_id__in=list(ids), action__in=[AuditLog.Action.HIDE, AuditLog.Action.BAN]
        )
        .order_by("target_id", "-created_at", "-id")
        .values_list("target_id", "reason")
    )
    reasons: dict[int, str] = {}
    for target_id, reason in rows:
        reasons.setdefault(target_id, reason)
    return reasons


def ban_latest(*, user) -> BanRecord | None:
    """The user's latest ban record (its reason and end), or None."""
    return BanRecord.objects.filter(user=user).order_by("-created_at", "-id").first()
