"""The notification pages: the list (grouped by day, newest first, unread marked, 全部已读),
opening one (marks it read, then goes to the floor it is about), "我的关注" with each note's new
floors, and "我的收藏". Thin: the services and selectors do the work."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications import selectors, services
from treehole.errors import NotFound
from treehole.pagination import Page, page_bounds_lenient

PAGE_SIZE = 30


def _pages(page: Page, base: dict | None = None) -> dict:
    def link(number: int) -> str:
        return "?" + urlencode({**(base or {}), "page": number})

    return {"page": page, "pages": page.last, "prev_url": link(page.page - 1) if page.page > 1 else None,
            "next_url": link(page.page + 1) if page.has_next else None, "last_url": link(page.last)}


def _day_label(moment: datetime, today) -> str:
    day = timezone.localtime(moment).date()
    if day == today:
        return _("今天")
    if day == today - timedelta(days=1):
        return _("昨天")
    return day.isoformat()


def _link(row: dict) -> str:
    """Where an entry leads: the floor it is about (on its page of the thread), the note, or the
    list that explains it."""
    kind = row["kind"]
    if kind == "report_handled":
        return reverse("moderation:mine")
    note = row["note"]
    if kind == "moderation":
        if row["comment"] is not None:
            return reverse("comments:mine")
        return reverse("my_notes") if note is not None else reverse("notifications:list")
    if note is None:
        return reverse("notifications:list")
    url = reverse("note_detail", args=[note["id"]])
    if row["comment"] is not None:
        floor = row["comment"]["floor"]
        cpage = (floor - 1) // settings.COMMENTS_THREAD_PAGE_SIZE + 1
        return f"{url}?cpage={cpage}#floor-{floor}" if cpage > 1 else f"{url}#floor-{floor}"
    return url


@login_required
def notification_list(request):
    page_number, _size = page_bounds_lenient(request.GET.get("page"))
    page = selectors.notification_list(user=request.user, page=page_number, size=PAGE_SIZE)
    today = timezone.localdate()
    groups: list[dict] = []
    for row in page.results:
        row = {**row, "updated": datetime.fromisoformat(row["updated_at"]), "link": _link(row)}
        label = _day_label(row["updated"], today)
        if not groups or groups[-1]["label"] != label:
            groups.append({"label": label, "rows": []})
        groups[-1]["rows"].append(row)
    context = {"groups": groups, "unread": selectors.notification_unread_count(user_id=request.user.pk), **_pages(page)}
    return render(request, "notifications/list.html", context, status=404 if page.out_of_range else 200)


@login_required
def notification_open(request, notification_id: str):
    if not notification_id.isdigit() or len(notification_id) > 19:
        raise Http404
    try:
        services.notification_open(user=request.user, notification_id=int(notification_id))
    except NotFound:
        raise Http404 from None
    row = selectors.notification_for_open(user=request.user, notification_id=int(notification_id))
    from notifications.serializers import notification_serialize

    return redirect(_link(notification_serialize(row, viewer_id=request.user.pk)))


@login_required
@require_POST
def notification_read_all(request):
    services.notifications_mark_read(user=request.user, all=True)
    messages.success(request, _("全部标为已读。"))
    return redirect("notifications:list")


def _note_list(request, *, following: bool):
    from notes.selectors import note_list_bookmarked
    from notes.views import _decorate

    page_number, _size = page_bounds_lenient(request.GET.get("page"))
    if following:
        page = selectors.following_page(user=request.user, page=page_number, size=PAGE_SIZE)
    else:
        page = note_list_bookmarked(user=request.user, page=page_number, size=PAGE_SIZE)
    context = {"notes": [_decorate(note) for note in page.results], "following": following, **_pages(page)}
    return render(request, "notifications/my_notes.html", context, status=404 if page.out_of_range else 200)


@login_required
def my_following(request):
    return _note_list(request, following=True)


@login_required
def my_bookmarks(request):
    return _note_list(request, following=False)
