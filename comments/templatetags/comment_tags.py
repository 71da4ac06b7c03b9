"""``{% comment_thread note_id %}``: a note's thread with its form, for the note page."""

from django import template
from django.conf import settings

from comments.forms import CommentForm
from comments import selectors
from treehole.pagination import page_bounds_lenient

register = template.Library()


@register.inclusion_tag("comments/thread.html", takes_context=True)
def comment_thread(context, note_id):
    request = context["request"]
    page, size = page_bounds_lenient(request.GET.get("cpage"), settings.COMMENTS_THREAD_PAGE_SIZE)
    only_author = request.GET.get("only_author") == "1"  # 只看洞主
    thread = selectors.comment_thread(note_id=int(note_id), page=page, size=size, viewer=request.user,
                                      only_author=only_author)
    for comment in thread.results:
        if comment["reply_to"]:
            comment["reply_to"]["page"] = (comment["reply_to"]["floor"] - 1) // size + 1
    reply_target = None
    wanted = request.GET.get("reply_to", "")
    for comment in thread.results:
        if comment["id"] == wanted and not comment["deleted"]:
            reply_target = comment
    form = CommentForm(initial={"reply_to": reply_target["id"]} if reply_target else None)
    return {
        "request": request,
        "user": request.user,
        "note_id": str(note_id),
        "thread": thread,
        "only_author": only_author,
        "filter_query": "&only_author=1" if only_author else "",
        "form": form,
        "reply_target": reply_target,
        "page": page,
        "prev_page": page - 1,
        "next_page": page + 1,
        "csrf_token": context.get("csrf_token"),
    }
