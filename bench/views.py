"""Baselines for the benchmarks, served only through bench/urls.py (bench/settings.py).

- ``ceiling_*``: a plain Django view answering the very bytes the real endpoint answered (read
  once from BENCH_DIR): the most the server + middleware stack can do for a body of that size.
- ``naive_hot``: the hot list the way a Django developer would first write it: ``ORDER BY score
  DESC LIMIT 20`` through the ORM with select_related/prefetch_related, Django's Paginator (a
  COUNT), every row serialized to the contract's Note shape, ``JsonResponse`` (stdlib json).
- ``naive_home``: the same home page template, fed by that naive query.
- ``naive_vote``: a vote with a row lock and counter updates in MariaDB, no Redis at all.
- ``hot_direct`` (a diagnostic, not a baseline): the real hot list selector, its dict rendered with
  orjson straight into an HttpResponse, i.e. the API view minus django-ninja's response-schema
  validation, to show what that validation costs per request.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, F, Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from notes.models import Category, Note, Vote

_bodies: dict[str, bytes] = {}


def _body(name: str) -> bytes:
    body = _bodies.get(name)
    if body is None:
        body = _bodies[name] = (Path(settings.BENCH_DIR) / name).read_bytes()
    return body


def ceiling_json(request):
    return HttpResponse(_body("hot.json"), content_type="application/json")


def ceiling_count(request):
    """The unread count's ceiling (bench/fanout.py): the same bytes from a plain view."""
    return HttpResponse(_body("unread.json"), content_type="application/json")


def ceiling_html(request):
    return HttpResponse(_body("home.html"), content_type="text/html; charset=utf-8")


def ceiling_page(request, name: str):
    """A page the runner saved (a signed-in reader's home or note page), as it was answered."""
    if name not in ("home_member.html", "note_member.html"):
        return HttpResponse(status=404)
    return HttpResponse(_body(name), content_type="text/html; charset=utf-8")


def hot_direct(request):
    import orjson

    from notes import selectors

    page = selectors.note_list(order="hot", page=1, size=20, viewer=None)
    return HttpResponse(orjson.dumps(page.as_dict()), content_type="application/json")


def _naive_note(note) -> dict:
    from uploads.services import image_serialize

    author = note.author
    if note.anonymous:
        author_out = {"display_name": "洞主", "avatar_url": None, "anonymous": True, "is_me": False}
    else:
        author_out = {"id": str(author.pk), "username": author.username, "display_name": author.username,
                      "avatar_url": author.avatar_url, "anonymous": False, "is_me": False}
    video = note.video
    return {
        "id": str(note.pk),
        "title": note.title,
        "content": note.content,
        "category": {"slug": note.category.slug, "name": note.category.name},
        "images": [image_serialize(link.image) for link in note.note_images.all()],
        "video": None if video is None else {"id": str(video.pk), "url": video.url,
                                             "content_type": video.content_type, "size": video.size},
        "author": author_out,
        "approve": note.approve,
        "against": note.against,
        "score": note.score,
        "visits": note.visits,
        "comment_count": note.comment_count,
        "my_vote": 0,
        "folded": note.folded,
        "created_at": note.created_at.isoformat(),
        "updated_at": note.updated_at.isoformat(),
    }


def _naive_page(number: int = 1):
    notes = (
        Note.objects.filter(hidden=False)
        .select_related("author__avatar", "category", "video")
        .prefetch_related("note_images__image")
        .order_by("-score", "-id")
    )
    return Paginator(notes, 20).page(number)


def naive_hot(request):
    page = _naive_page(int(request.GET.get("page", 1)))
    return JsonResponse({
        "results": [_naive_note(note) for note in page],
        "page": page.number,
        "size": 20,
        "total": page.paginator.count,
        "has_next": page.has_next(),
    }, json_dumps_params={"ensure_ascii": False})


def naive_home(request):
    from notes import views as note_views
    from notes.selectors import Page

    page = _naive_page(1)
    results = [_naive_note(note) for note in page]
    categories = [
        {"slug": c.slug, "name": c.name, "description": c.description, "note_count": c.note_count}
        for c in Category.objects.annotate(note_count=Count("notes", filter=Q(notes__hidden=False)))
    ]
    context = {
        "order": "hot",
        "category": None,
        "categories": categories,
        **note_views._page_context(Page(results, 1, 20, page.paginator.count), {"order": "hot"}),
    }
    return render(request, "notes/home.html", context)


@csrf_exempt
def naive_vote(request, note_id: int):
    from accounts.authentication import api_user_or_none

    user = api_user_or_none(request)
    if user is None:
        return JsonResponse({"error": {"code": "unauthenticated", "message": "请先登录。"}}, status=401)
    value = json.loads(request.body)["value"]
    weight = settings.NOTES_VOTE_WEIGHT
    with transaction.atomic():
        note = Note.objects.select_for_update().get(pk=note_id)
        vote, _created = Vote.objects.get_or_create(user=user, note=note)
        old = vote.value
        if old != value:
            Note.objects.filter(pk=note.pk).update(
                approve=F("approve") + int(value == 1) - int(old == 1),
                against=F("against") + int(value == -1) - int(old == -1),
                score=F("score") + weight * (value - old),
            )
            vote.value = vote.scored_value = value
            vote.save(update_fields=["value", "scored_value"])
        note.refresh_from_db(fields=["approve", "against", "score"])
    return JsonResponse({"approve": note.approve, "against": note.against, "score": note.score, "my_vote": value})
