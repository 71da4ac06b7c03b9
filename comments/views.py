"""Comment pages: the thread is rendered inside the note page (templatetags), these views take
its forms and show "my comments"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comments import selectors, services
from comments.forms import CommentForm
from treehole.errors import DomainError, NotFound
from treehole.ids import parse_id
from treehole.pagination import page_bounds_lenient
from treehole.ratelimit import rate_limited


def _back(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


@login_required
@require_POST
@rate_limited("comment")
def comment_create(request, note_id):
    parsed = parse_id(note_id)
    if parsed is None:
        raise NotFound()
    form = CommentForm(request.POST)
    back = _back(request, f"/notes/{parsed}/")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back + "#comment-form")
    reply_to = parse_id(form.cleaned_data["reply_to"]) if form.cleaned_data["reply_to"] else None
    try:
        comment = services.comment_create(
            user=request.user, note_id=parsed, content=form.cleaned_data["content"], reply_to_id=reply_to
        )
    except DomainError as exc:
        for field_errors in (exc.fields or {"": [exc.message]}).values():
            for error in field_errors:
                messages.error(request, error)
        return redirect(back + "#comment-form")
    messages.success(request, _("评论已发布（#%(floor)d）。") % {"floor": comment.floor})
    return redirect(f"{back.split('#')[0]}#floor-{comment.floor}")


@login_required
@require_POST
def comment_delete(request, comment_id):
    parsed = parse_id(comment_id)
    if parsed is None:
        raise NotFound()
    back = _back(request, "/")
    if request.POST.get("confirmed") != "1":
        # Asked first: the thread's form says "confirmed" once the browser's confirm() agreed;
        # without JavaScript this page asks instead. It names only the floor (a comment held for
        # review must not be shown to someone else here).
        try:
            comment = selectors.comment_get(parsed)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(back)
        return render(request, "comments/confirm_delete.html", {"comment": comment, "next": back})
    try:
        comment = selectors.comment_get(parsed)
        services.comment_delete(user=request.user, comment_id=parsed)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, _("第 %(floor)d 楼已删除。") % {"floor": comment.floor})
    return redirect(f"{_back(request, f'/notes/{comment.note_id}/').split('#')[0]}#floor-{comment.floor}")


@login_required
def my_comments(request):
    page, size = page_bounds_lenient(request.GET.get("page"))
    data = selectors.comment_history(user=request.user, page=page, size=size)
    context = {"data": data, "page": data, "prev_page": page - 1, "next_page": page + 1}
    return render(request, "comments/mine.html", context, status=404 if data.out_of_range else 200)
