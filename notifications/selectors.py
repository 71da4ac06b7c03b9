"""Reads of notifications (and of "我的关注", which counts a followed note's new floors)."""

from __future__ import annotations

from django.db.models import Count, Q

from notifications import cache
from notifications.models import Notification
from notifications.serializers import notification_serialize
from treehole.pagination import Page, page_bounds, paginate


def _rows():
    return Notification.objects.select_related("note", "comment")


def notification_list(*, user, unread: bool | None = None, page: int = 1, size: int | None = None) -> Page:
    """The user's notifications, most recently updated first: a COUNT and one query for the page
    (note and comment joined), whatever the size."""
    page, size = page_bounds(page, size)
    rows = Notification.objects.filter(user_id=user.pk)
    if unread is True:
        rows = rows.filter(read_at__isnull=True)
    elif unread is False:
        rows = rows.filter(read_at__isnull=False)
    rows = rows.select_related("note", "comment").order_by("-updated_at", "-id")
    return paginate(rows, page=page, size=size, load=lambda items: [notification_serialize(r, viewer_id=user.pk) for r in items])


def notification_unread_count(*, user_id: int) -> int:
    return cache.unread_count(user_id)


def notifications_latest_for(*, user_ids, **match) -> dict[int, dict]:
    """Each user's most recently updated notification matching ``match``, serialized (the
    fan-out's live frames: one query for every user of a batch)."""
    found: dict[int, dict] = {}
    for row in _rows().filter(user_id__in=list(user_ids), **match).order_by("-updated_at", "-id"):
        if row.user_id not in found:
            found[row.user_id] = notification_serialize(row, viewer_id=row.user_id)
    return found


def notification_for_open(*, user, notification_id: int) -> Notification | None:
    """The user's own notification (None for another's or a missing one)."""
    return _rows().filter(pk=notification_id, user_id=user.pk).first()


def following_page(*, user, page: int = 1, size: int | None = None) -> Page:
    """"我的关注": followed notes (most recently followed first) with ``new_floors``: the visible
    floors added since the user last opened the note, counted in one query for the page."""
    from comments.models import Comment
    from notes.selectors import follow_seen_times, note_list_following

    answer = note_list_following(user=user, page=page, size=size)
    ids = [int(note["id"]) for note in answer.results]
    seen = follow_seen_times(user_id=user.pk, note_ids=ids)
    counts: dict[int, int] = {}
    if seen:
        since = Q()
        for note_id, seen_at in seen.items():
            since |= Q(note_id=note_id, created_at__gt=seen_at)
        counts = dict(
            Comment.objects.filter(since, deleted=False, held=False).exclude(author_id=user.pk).order_by()
            .values_list("note_id").annotate(n=Count("id")).values_list("note_id", "n")
        )
    return answer.with_results([{**note, "new_floors": counts.get(int(note["id"]), 0)} for note in answer.results])
