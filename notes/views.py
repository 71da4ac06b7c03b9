"""Note pages: the same selectors and services as the API, rendered. A view shapes a form, calls
one service and renders or redirects; service errors become form errors."""

from __future__ import annotations

import math
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from moderation.care import care_for_text
from notes import filtering, search, selectors, services
from notes.search import load as search_load
from notes.forms import FiltersForm, NoteForm, PollForm, video_change
from treehole import pagecache, ratelimit
from treehole.errors import DomainError, InvalidInput, NotFound, RateLimited, Unavailable
from treehole.ids import parse_id
from treehole.pages import add_domain_error
from treehole.pagination import Page, page_bounds_lenient

EXCERPT_CHARS = 120


def _page_number(request) -> int:
    page, _size = page_bounds_lenient(request.GET.get("page"))
    return page


def _decorate(note: dict) -> dict:
    """Template conveniences on a Note object: real datetimes and a short excerpt."""
    note = dict(note)
    note["created"] = datetime.fromisoformat(note["created_at"])
    note["updated"] = datetime.fromisoformat(note["updated_at"])
    note["edited"] = bool(note.get("edited_at"))
    poll = note.get("poll")
    if poll:
        poll = note["poll"] = {**poll, "options": [dict(option) for option in poll["options"]]}
        poll["shown"] = poll["options"][0]["votes"] is not None
        poll["closes"] = datetime.fromisoformat(poll["closes_at"]) if poll["closes_at"] else None
        for option in poll["options"]:
            option["chosen"] = option["id"] in poll["my_choices"]
            if poll["shown"]:
                option["percent"] = round(100 * option["votes"] / poll["total_voters"]) if poll["total_voters"] else 0
    content = note["content"]
    note["excerpt"] = content if len(content) <= EXCERPT_CHARS else content[:EXCERPT_CHARS] + "…"
    return note


def _page_context(page: Page, base_query: dict) -> dict:
    def link(number: int) -> str:
        return "?" + urlencode({**base_query, "page": number})

    return {
        "notes": [_decorate(note) for note in page.results],
        "page": page,
        "prev_url": link(page.page - 1) if page.page > 1 else None,
        "next_url": link(page.page + 1) if page.has_next else None,
        "last_url": link(page.last),
        "first_url": link(1),
        "pages": page.last,
    }


def _list_status(page: Page) -> int:
    """A page number past the end of a list is a page that is not there: 404 (with a link to
    the last page in the template), not an empty "第 999 / 1 页"."""
    return 404 if page.out_of_range else 200


def _compose_limits() -> dict:
    return {"max_images": settings.TREEHOLE_LIMITS["images_per_note"], "max_image_bytes": settings.TREEHOLE_LIMITS["image_bytes"]}


def _note_id_or_404(value: str) -> int:
    note_id = parse_id(value)
    if note_id is None:
        raise Http404
    return note_id


def home(request):
    order = request.GET.get("order") if request.GET.get("order") in ("hot", "new") else "hot"
    category = request.GET.get("category") or None
    page_number = _page_number(request)
    # Signed out: the whole page comes from the page cache (treehole/pagecache.py), keyed by what
    # it shows. When Redis holds the whole page, one round trip gives a digest of it (every card
    # field, score, count) and a stored page answers without building the context at all.
    cacheable = pagecache.cacheable(request)

    def digest_shown():
        digest = selectors.note_list_digest(order=order, category=category, page=page_number, with_categories=True)
        if digest is None:
            return None
        # The digest covers the cached category list too: no read of it here.
        return {"list": digest, "order": order, "category": category, "page": page_number}

    shown = digest_shown() if cacheable else None
    if shown is not None:
        stored = pagecache.stored_page(request, "notes/home.html", shown=shown)
        if stored is not None:
            return stored
    try:
        page = selectors.note_list(order=order, category=category, page=page_number, viewer=request.user)
    except InvalidInput:
        return _unknown_category(request)
    query = {"order": order, **({"category": category} if category else {})}
    context = {
        "order": order,
        "category": category,
        # A muted category's own list still shows it (the reader opened it): say so, once.
        "category_muted": bool(category) and category in filtering.filters_for(request.user).categories,
        "categories": selectors.category_list(),
        **_page_context(page, query),
    }
    status = _list_status(page)
    # Never a digest read after the page's own read: a write between the two would store this
    # (older) page under the newer state's key. Without a digest from before, key by the context.
    if shown is None or status != 200:
        # Keyed by the context itself (the full text is not shown: a card shows its excerpt).
        shown = {**context, "page": (page.page, page.size, page.total),
                 "notes": [{k: v for k, v in note.items() if k != "content"} for note in context["notes"]]}
    return pagecache.signed_out_page(request, "notes/home.html", context, shown=shown, status=status)


def _unknown_category(request):
    """``?category=bad``: the friendly 404 page, listing the categories there are."""
    context = {
        "title": _("没有这个分类"),
        "message": _("“%(slug)s”不是树洞的分类。看看下面这些吧：") % {"slug": request.GET.get("category", "")[:50]},
        "categories": selectors.category_list(),
    }
    return render(request, "404.html", context, status=404)


def _search_params(request) -> dict:
    """The search form's fields from the query string (unknown choices fall back to the default)."""
    get = request.GET
    return {
        "q": (get.get("q") or "").strip(),
        "mode": get.get("mode") if get.get("mode") in search.MODES else "words",
        "order": get.get("order") if get.get("order") in search.ORDERS else "relevance",
        "category": get.get("category") or None,
        "since": get.get("since") or None,
        "until": get.get("until") or None,
        "comments": get.get("comments") == "1",
    }


def search_page(request):
    """The search page: the same ``notes.search.note_search`` as the API; a ``#123`` that names a
    note goes straight to it."""
    params = _search_params(request)
    # A search for a crisis phrase shows the care card above the results.
    context = {**params, "categories": selectors.category_list(), "notes": [], "page": None,
               "care": care_for_text(params["q"])}
    status, retry_after = 200, None
    if params["q"]:
        try:
            answer = search.note_search(
                **params, page=_page_number(request), viewer=request.user,
                gate=lambda: search_load.admit(request, request.user),
            )
        except InvalidInput as exc:
            context["error"] = "；".join(m for ms in (exc.fields or {}).values() for m in ms) or exc.message
            status = 400
        except (RateLimited, Unavailable) as exc:
            context["error"] = exc.message
            status, retry_after = exc.status, exc.retry_after
        else:
            if answer.jump is not None and search.is_jump(params["q"]):
                return redirect("note_detail", note_id=answer.jump["id"])
            query = {name: value for name, value in params.items() if value not in (None, "", False)}
            if params["comments"]:
                query["comments"] = "1"
            context.update(_page_context(answer.page, query))
            status = _list_status(answer.page)
    response = render(request, "notes/search.html", context, status=status)
    if retry_after:
        response["Retry-After"] = str(max(1, math.ceil(retry_after)))
    return response


def note_detail(request, note_id: str):
    try:
        note = selectors.note_detail(note_id=_note_id_or_404(note_id), viewer=request.user)
    except NotFound:
        raise Http404 from None
    if note["following"]:  # "我的关注" counts new floors from this visit on
        services.note_follow_seen(user=request.user, note_id=int(note["id"]))
    return render(request, "notes/detail.html", {"note": _decorate(note)})


def note_revisions(request, note_id: str):
    """The edit history: the current text, then each earlier version, newest first."""
    note_id = _note_id_or_404(note_id)
    try:
        note = selectors.note_detail(note_id=note_id, viewer=request.user, count_visit=False, with_relations=False)
        revisions = selectors.note_revisions(note_id=note_id, viewer=request.user)
    except NotFound:
        raise Http404 from None
    return render(request, "notes/revisions.html", {"note": _decorate(note), "revisions": revisions})


def note_by_number(request, number: int):
    """``/n/1234``: where ``#1234`` in a note or comment links to."""
    try:
        note_id = selectors.note_id_by_number(number=number, viewer=request.user)
    except NotFound:
        raise Http404 from None
    return redirect("note_detail", note_id=note_id)


def _save(request, form: NoteForm, *, note_id: int | None, poll_form: PollForm | None = None):
    """Run the create or edit service for a bound form; the note or None (errors on the form)."""
    poll_ok = poll_form is None or poll_form.is_valid()
    if not form.is_valid() or not poll_ok:
        return None
    data = form.cleaned_data
    video_given, video_id, video_ok = video_change(request.POST)
    if not video_ok:
        form.add_error(None, _("视频有误，请重新上传。"))
        return None
    try:
        ratelimit.enforce("post", request=request, user=request.user)
        if note_id is None:
            return services.note_create(
                author=request.user, title=data["title"], content=data["content"], category=data["category"],
                anonymous=data.get("anonymous", False), image_ids=data["image_ids"], video_id=video_id,
                poll=poll_form.poll() if poll_form is not None else None,
                content_warning=data.get("content_warning") or "",
            )
        changes = {"title": data["title"], "content": data["content"], "category": data["category"],
                   "image_ids": data["image_ids"], "content_warning": data.get("content_warning") or ""}
        if video_given:
            changes["video_id"] = video_id
        return services.note_update(note_id=note_id, user=request.user, **changes)
    except DomainError as exc:
        if poll_form is None or not poll_form.add_service_error(exc):
            add_domain_error(form, exc)
        request.treehole_status = exc.status
        return None


@login_required
def note_create(request):
    form = NoteForm(request.POST or None)
    poll_form = PollForm(request.POST or None)
    if request.method == "POST":
        note = _save(request, form, note_id=None, poll_form=poll_form)
        if note is not None:
            messages.success(request, _("发布成功。"))
            return redirect("note_detail", note_id=note.pk)
    status = getattr(request, "treehole_status", 400 if form.errors or poll_form.errors else 200)
    context = {"form": form, "poll_form": poll_form, "editing": False, **_compose_limits()}
    return render(request, "notes/compose.html", context, status=status)


@login_required
def note_edit(request, note_id: str):
    try:
        note = selectors.note_for_edit(note_id=_note_id_or_404(note_id), user=request.user)
    except NotFound:
        raise Http404 from None
    if note.author_id != request.user.pk:
        raise PermissionDenied(_("只有作者可以修改这篇帖子。"))
    images = [link.image for link in note.note_images.all()]
    initial = {
        "title": note.title, "content": note.content, "category": note.category.slug,
        "content_warning": note.content_warning,
        "image_ids": ",".join(str(image.pk) for image in images),
    }
    form = NoteForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST":
        saved = _save(request, form, note_id=note.pk)
        if saved is not None:
            messages.success(request, _("已保存修改。"))
            return redirect("note_detail", note_id=note.pk)
    status = getattr(request, "treehole_status", 400 if form.errors else 200)
    context = {"form": form, "editing": True, "note": note, "images": images, **_compose_limits()}
    return render(request, "notes/compose.html", context, status=status)


@login_required
@require_POST
def poll_vote(request, note_id: str):
    """The note page's poll form (works without JavaScript): the chosen ``option``s, or
    ``withdraw`` to take the ballot back."""
    note_id = _note_id_or_404(note_id)
    withdraw = request.POST.get("withdraw") == "1"
    chosen = [] if withdraw else [parse_id(value) for value in request.POST.getlist("option")]
    if not withdraw and not chosen:
        messages.error(request, _("请先选一个选项。"))
    elif any(option_id is None for option_id in chosen):
        messages.error(request, _("没有这个选项。"))
    else:
        try:
            ratelimit.enforce("vote", request=request, user=request.user)
            services.poll_vote(note_id=note_id, user=request.user, option_ids=chosen)
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            messages.error(request, "；".join(m for ms in (exc.fields or {}).values() for m in ms) or exc.message)
        else:
            messages.success(request, _("已撤回投票。") if withdraw else _("投票成功。"))
    return redirect(reverse("note_detail", args=[note_id]) + "#poll")


@login_required
@require_POST
def note_delete(request, note_id: str):
    try:
        services.note_delete(note_id=_note_id_or_404(note_id), user=request.user)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.message) from None
        messages.error(request, exc.message)
        return redirect("note_detail", note_id=note_id)
    messages.success(request, _("帖子已删除。"))
    return redirect("my_notes")


@login_required
def my_notes(request):
    page = selectors.note_list_by_author(user=request.user, page=_page_number(request))
    return render(request, "notes/my_notes.html", _page_context(page, {}), status=_list_status(page))


@login_required
def my_filters(request):
    """屏蔽设置: the settings page's personal filters (the same service as ``PUT /me/filters``)."""
    saved = selectors.note_filter_get(user=request.user)
    initial = {"muted_categories": saved["muted_categories"], "muted_keywords": "\n".join(saved["muted_keywords"]),
               "fold_warnings": saved["fold_warnings"]}
    form = FiltersForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                ratelimit.enforce("settings", request=request, user=request.user)
                services.note_filter_save(user=request.user, muted_categories=form.cleaned_data["muted_categories"],
                                          muted_keywords=form.keywords(), fold_warnings=form.cleaned_data["fold_warnings"])
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("屏蔽设置已保存。"))
                return redirect("my_filters")
        else:
            status = 400
    return render(request, "notes/filters.html", {"form": form, "limits": settings.TREEHOLE_LIMITS}, status=status)
