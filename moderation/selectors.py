"""Reads for moderation."""

from __future__ import annotations

from django.db.models import QuerySet

from moderation.models import Case, Report
from treehole.pagination import Page, page_bounds, paginate


def report_list_mine(*, user, page: int, size: int | None = None) -> Page:
    """The caller's reports (rows), newest first, with their outcome (never who else reported)."""
    page, size = page_bounds(page, size)
    return paginate(Report.objects.filter(reporter=user).order_by("-id"), page=page, size=size)


def case_queue() -> QuerySet[Case]:
    """Open cases: crisis/self-harm first, then held content, then most reported, newest."""
    return Case.objects.filter(status=Case.Status.OPEN).select_related("author").order_by(*Case._meta.ordering)


def folded_ids(*, target_type: str, ids) -> set[int]:
    """Which of ``ids`` are folded by reports (for apps that render lists from a cache)."""
    return set(
        Case.objects.filter(target_type=target_type, target_id__in=list(ids), folded=True).values_list("target_id", flat=True)
    )
