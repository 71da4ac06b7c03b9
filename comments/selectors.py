"""Reads for comments."""

from __future__ import annotations

import logging

from redis.exceptions import RedisError

from comments import cache
from comments.aliases import comment_display_name
from comments.models import Comment, NoteAlias
from comments.serializers import card_from_comment, comment_serialize, shown_username
from treehole.errors import NotFound
from treehole.pagination import Page, page_bounds, paginate

logger = logging.getLogger(__name__)


def _cards_from_rows(rows: list[Comment], note, aliases: dict[int, int]) -> list[dict[str, str]]:
    """Cards for ``rows`` of one note, with the alias numbers of their authors (and reply authors)."""
    cards = []
    for comment in rows:
        reply = comment.reply_to
        reply_display = ""
        if reply is not None:
            reply_display = comment_display_name(
                note=note, user_id=reply.author_id, username=shown_username(reply.author), alias_number=aliases.get(reply.author_id)
            )
        display = comment_display_name(
            note=note, user_id=comment.author_id, username=shown_username(comment.author), alias_number=aliases.get(comment.author_id)
        )
        cards.append(card_from_comment(comment, note=note, display_name=display, reply_display=reply_display))
    return cards


def _load_thread(note_id: int) -> list[dict[str, str]]:
    """Every comment of the note as cards, in floor order (three queries, whatever the size)."""
    from notes.models import Note

    note = Note.objects.only("id", "author_id", "anonymous").filter(pk=note_id).first()
    if note is None:
        return []
    rows = list(
        Comment.objects.filter(note_id=note.pk)
        .select_related("author", "author__avatar", "reply_to", "reply_to__author")
        .order_by("floor")
    )
    aliases = dict(NoteAlias.objects.filter(note_id=note.pk).values_list("user_id", "number")) if note.anonymous else {}
    return _cards_from_rows(rows, note, aliases)


def _note_for_thread(note_id: int, viewer) -> dict:
    """The note whose thread is asked for, as the viewer may see it (404 when it does not exist or
    is hidden). Served from the note's cached card: a warm thread costs no SQL."""
    from notes.selectors import note_detail

    return note_detail(note_id=note_id, viewer=viewer, count_visit=False, with_relations=False)


def comment_page(*, note_id: int, page: int, size: int | None = None, viewer=None, only_author: bool = False) -> Page:
    """The contract's paginated Comments of a note, in floor order (deleted floors included).
    ``only_author`` (只看洞主): only the floors the note's author wrote, without deleted ones (a
    deleted floor's writer stays unsaid) and without held ones except to their writer."""
    page, size = page_bounds(page, size)
    _note_for_thread(note_id, viewer)
    start, stop = (page - 1) * size, page * size - 1
    viewer_id = viewer.pk if getattr(viewer, "is_authenticated", False) else None

    def cached_page():
        if only_author:
            return cache.author_page(note_id, start=start, stop=stop, viewer_id=viewer_id)
        return cache.page(note_id, start=start, stop=stop)

    def window(cards):
        if only_author:
            cards = [card for card in cards if cache.author_floor(card, viewer_id)]
        return len(cards), cards[start : stop + 1]

    try:
        cached = cached_page()
        if cached is None:
            loaded = cache.fill_thread(note_id, lambda: _load_thread(note_id))
            if loaded is None:  # another request filled it meanwhile
                cached = cached_page()
            else:
                cached = window(loaded)
    except RedisError:
        logger.warning("Redis failed while reading the comments of note %s; answering from the database", note_id)
        cached = None
    if cached is None:  # Redis is away, or a card of the page expired under the read
        cached = window(_load_thread(note_id))
    total, cards = cached
    return Page([comment_serialize(card, viewer=viewer) for card in cards], page, size, total)


def comment_history(*, user, page: int, size: int | None = None) -> Page:
    """The user's own comments, newest first, each with its note's title (from the database, as
    the seed does: a personal page is read rarely)."""
    page, size = page_bounds(page, size)
    comments = (
        Comment.objects.filter(author=user, deleted=False, note__hidden=False)
        .select_related("note", "author", "author__avatar", "reply_to", "reply_to__author")
        .order_by("-created_at", "-id")
    )
    return paginate(comments, page=page, size=size, load=lambda rows: _history_results(rows, user))


def _history_results(rows: list[Comment], user) -> list[dict]:
    note_ids = {row.note_id for row in rows if row.note.anonymous}
    user_ids = {user.pk} | {row.reply_to.author_id for row in rows if row.reply_to_id}
    numbers: dict[tuple[int, int], int] = {
        (note_id, user_id): number
        for note_id, user_id, number in NoteAlias.objects.filter(note_id__in=note_ids, user_id__in=user_ids).values_list(
            "note_id", "user_id", "number"
        )
    } if note_ids else {}
    results = []
    for row in rows:
        aliases = {uid: n for (nid, uid), n in numbers.items() if nid == row.note_id}
        card = _cards_from_rows([row], row.note, aliases)[0]
        results.append({**comment_serialize(card, viewer=user), "note_title": row.note.title})
    return results


def comment_get(comment_id: int) -> Comment:
    comment = Comment.objects.filter(pk=comment_id).first()
    if comment is None:
        raise NotFound()
    return comment


def comment_by_id_serialized(comment_id: int, *, viewer) -> dict:
    """One comment as the API shows it (e.g. the answer to its creation)."""
    from notes.models import Note

    comment = (
        Comment.objects.select_related("author", "author__avatar", "reply_to", "reply_to__author").filter(pk=comment_id).first()
    )
    if comment is None:
        raise NotFound()
    note = Note.objects.only("id", "author_id", "anonymous").get(pk=comment.note_id)
    user_ids = {comment.author_id} | ({comment.reply_to.author_id} if comment.reply_to_id else set())
    aliases = dict(NoteAlias.objects.filter(note_id=note.pk, user_id__in=user_ids).values_list("user_id", "number"))
    return comment_serialize(_cards_from_rows([comment], note, aliases)[0], viewer=viewer)


def comment_thread(*, note_id: int, page: int, size: int, viewer, only_author: bool = False) -> Page:
    """The page's thread: the API page plus, per comment, whether the viewer may delete it."""
    note = _note_for_thread(note_id, viewer)
    thread = comment_page(note_id=note_id, page=page, size=size, viewer=viewer, only_author=only_author)
    is_note_author = bool(note["author"]["is_me"])
    is_staff = bool(getattr(viewer, "is_staff", False))
    for comment in thread.results:
        mine = bool(comment["author"] and comment["author"]["is_me"])
        comment["can_delete"] = not comment["deleted"] and (mine or is_note_author or is_staff)
    return thread


def comment_texts_for_search(note_ids: list[int]) -> dict[int, list]:
    """notes.search's ``search_comments`` hook: the signed comments of these notes (comments on a
    note published under a name), in floor order, without deleted or held ones. Comments on an
    anonymous note are never searchable."""
    from notes.search.documents import CommentText

    found: dict[int, list] = {}
    rows = (
        Comment.objects.filter(note_id__in=note_ids, note__anonymous=False, deleted=False, held=False)
        .order_by("note_id", "floor")
        .values_list("note_id", "id", "floor", "author_id", "content")
    )
    for note_id, comment_id, floor, author_id, content in rows:
        found.setdefault(note_id, []).append(CommentText(comment_id, floor, author_id, content))
    return found
