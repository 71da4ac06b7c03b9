"""Writes for comments. Every one goes through here (API, pages, admin, moderation)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts.services import ensure_can_write
from comments import cache
from comments.aliases import comment_display_name
from comments.models import Comment, NoteAlias
from comments.serializers import card_from_comment, shown_username
from moderation.filters import screen_text
from moderation.services import content_saved
from notes.services import follow_add, note_comment_count_add
from notes import search
from treehole import clock, hooks
from treehole.effects import Repair, after_commit
from treehole.errors import Forbidden, InvalidInput, NotFound

def _notify_created(comment: Comment) -> None:
    """The ``comment_created`` hooks, with the new comment once its transaction committed."""
    for hook in hooks.get_hooks("comment_created"):
        hook(comment)


def _published(comment: Comment, *, display_name: str, reply_author_id: int | None) -> None:
    """The comment is visible to others from this transaction's commit on: tell whoever listens
    (``comment_published`` hooks, e.g. notifications' fan-out), inside the transaction."""
    event = {
        "comment_id": comment.pk, "note_id": comment.note_id, "author_id": comment.author_id,
        "display_name": display_name, "reply_to_author_id": reply_author_id,
    }
    for hook in hooks.get_hooks("comment_published"):
        hook(event)


def _clean_content(content) -> str:
    if not isinstance(content, str):
        raise InvalidInput(fields={"content": [_("评论必须是文字。")]})
    content = content.strip()
    limit = settings.TREEHOLE_LIMITS["comment_content"]
    if not content:
        raise InvalidInput(fields={"content": [_("评论不能为空。")]})
    if len(content) > limit:
        raise InvalidInput(fields={"content": [_("评论不能超过 %(n)d 个字。") % {"n": limit}]})
    return content


def _alias_number(note, user) -> int:
    """The user's (a User or its id) stable alias number in this note, assigned once. Runs under
    the note's row lock, so two first comments of two users cannot take the same number."""
    user_id = getattr(user, "pk", user)
    existing = NoteAlias.objects.filter(note=note, user_id=user_id).values_list("number", flat=True).first()
    if existing is not None:
        return existing
    # The next number after the highest, not the count: an account's deletion takes its alias
    # away, and a count would then hand out a number still in use (a 500 on the unique key).
    top = NoteAlias.objects.filter(note=note).aggregate(top=Max("number"))["top"]
    number = 0 if top is None else top + 1
    NoteAlias.objects.create(note=note, user_id=user_id, number=number)
    return number


def comment_create(*, user, note_id: int, content, reply_to_id: int | None = None) -> Comment:
    """Add a comment on the next floor. Floors are 1, 2, 3 … with no gap or duplicate under any
    concurrency: the note's row lock serializes the MAX(floor)+1 of concurrent writers."""
    from notes.models import Note

    ensure_can_write(user)
    content = _clean_content(content)
    content, held = _screen(content)
    with transaction.atomic():
        note = Note.objects.select_for_update().filter(pk=note_id, hidden=False).first()
        if note is None:
            raise NotFound(_("帖子不存在或已被删除。"))
        reply_to = None
        if reply_to_id is not None:
            reply_to = Comment.objects.filter(pk=reply_to_id, note_id=note.pk, deleted=False).first()
            if reply_to is None:
                raise InvalidInput(fields={"reply_to": [_("要回复的评论不在这个帖子里，或已被删除。")]})
        floor = (Comment.objects.filter(note=note).aggregate(top=Max("floor"))["top"] or 0) + 1
        first_comment = not Comment.objects.filter(note=note, author=user).exists()
        alias_number = None
        if note.anonymous and user.pk != note.author_id:
            alias_number = _alias_number(note, user)
        if first_comment and user.pk != note.author_id:
            follow_add(user_id=user.pk, note_id=note.pk)  # a commenter follows on their first comment
        comment = Comment.objects.create(
            note=note, author=user, floor=floor, content=content, reply_to=reply_to, held=held, created_at=clock.now()
        )
        note_comment_count_add(note_id=note.pk, delta=1)
        card = card_from_comment(
            comment,
            note=note,
            display_name=comment_display_name(note=note, user_id=user.pk, username=user.username, alias_number=alias_number),
            reply_display=_reply_display(note, reply_to),
        )
        _content_saved(comment, content=content, held=held, author=user)
        if not held:
            _published(comment, display_name=card["display_name"], reply_author_id=reply_to.author_id if reply_to else None)
        after_commit(lambda: cache.append(card), repair=Repair(cache.thread_drop, note.pk))
        after_commit(lambda: _notify_created(comment))
        search.note_changed(note.pk, background=True)
    return comment


def comment_import(*, comment_id: int, note_id: int, author_id: int, content: str, created_at) -> Comment:
    """A comment brought in from another site (``manage.py import_seed``): its id and time kept,
    on the note's next floor, with the commenter's alias on an anonymous note and their follow,
    counted in the note's comment count. Nothing is published (no notification, no cache write:
    the importer rebuilds Redis at the end). Call it with content already normalised and checked."""
    from notes.models import Note

    note = Note.objects.select_for_update().filter(pk=note_id).first()
    if note is None:
        raise NotFound(_("帖子不存在或已被删除。"))
    floor = (Comment.objects.filter(note=note).aggregate(top=Max("floor"))["top"] or 0) + 1
    first_comment = not Comment.objects.filter(note=note, author_id=author_id).exists()
    if note.anonymous and author_id != note.author_id:
        _alias_number(note, author_id)
    if first_comment and author_id != note.author_id:
        follow_add(user_id=author_id, note_id=note.pk, at=created_at)
    comment = Comment.objects.create(
        id=comment_id, note=note, author_id=author_id, floor=floor, content=content, created_at=created_at
    )
    note_comment_count_add(note_id=note.pk, delta=1)
    return comment


def _screen(content: str) -> tuple[str, bool]:
    """Sensitive-word screening: masked text and whether it is held (a blocked word raises)."""
    result = screen_text(content, field="content")
    return result.text, result.held


def _content_saved(comment: Comment, *, content: str, held: bool, author) -> None:
    """Tell moderation about held text or crisis phrases (it opens a case; nothing is blocked)."""
    content_saved(target_type="comment", target_id=comment.pk, text=content, held=held, author=author)


def _reply_display(note, reply_to: Comment | None) -> str:
    if reply_to is None:
        return ""
    number = None
    if note.anonymous and reply_to.author_id != note.author_id:
        number = NoteAlias.objects.filter(note=note, user_id=reply_to.author_id).values_list("number", flat=True).first()
    return comment_display_name(
        note=note, user_id=reply_to.author_id, username=shown_username(reply_to.author), alias_number=number
    )


def comment_delete(*, user, comment_id: int) -> None:
    """Soft-delete: the floor stays (shown as deleted), content and author are gone from every
    answer. Allowed to the comment's author, the note's author and staff.

    The cache is deleted only after the commit (a delete before it lets a reader refill the old
    row in between), then once more by a delayed background job, the seed's second delete (the
    lease already refuses fills that read the old row)."""
    comment = Comment.objects.select_related("note").filter(pk=comment_id, deleted=False).first()
    if comment is None:
        raise NotFound(_("评论不存在或已被删除。"))
    if not (user.is_staff or user.pk in (comment.author_id, comment.note.author_id)):
        raise Forbidden(_("只有评论者、洞主或管理员可以删除这条评论。"))
    note_id = comment.note_id
    with transaction.atomic():
        updated = Comment.objects.filter(pk=comment.pk, deleted=False).update(deleted=True, deleted_at=clock.now())
        if not updated:
            raise NotFound(_("评论不存在或已被删除。"))
        note_comment_count_add(note_id=note_id, delta=-1)
        for hook in hooks.get_hooks("comment_withdrawn"):
            hook(comment_id=comment.pk, note_id=note_id)
        after_commit(lambda: cache.invalidate(note_id, [comment_id]), repair=Repair(cache.thread_drop, note_id))
        after_commit(lambda: _schedule_second_delete(note_id, comment_id))
        search.note_changed(note_id, background=True)


def _schedule_second_delete(note_id: int, comment_id: int) -> None:
    from comments.tasks import comment_cache_second_delete

    comment_cache_second_delete.schedule(args=(note_id, comment_id), delay=settings.COMMENT_CACHE_SECOND_DELETE_SECONDS)


def comment_set_flags(*, comment_id: int, folded: bool | None = None, held: bool | None = None) -> None:
    """Moderation's door: fold/unfold or hold/release a comment, keeping the cache right."""
    changes = {name: value for name, value in (("folded", folded), ("held", held)) if value is not None}
    with transaction.atomic():
        comment = Comment.objects.select_for_update().select_related("note", "author", "reply_to").filter(pk=comment_id).first()
        if comment is None:
            raise NotFound()
        released = comment.held and held is False and not comment.deleted
        Comment.objects.filter(pk=comment_id).update(**changes)
        if released:  # a moderator approved it: from now on others see it
            number = None
            if comment.note.anonymous and comment.author_id != comment.note.author_id:
                number = NoteAlias.objects.filter(note_id=comment.note_id, user_id=comment.author_id).values_list(
                    "number", flat=True).first()
            name = comment_display_name(note=comment.note, user_id=comment.author_id, username=shown_username(comment.author),
                                        alias_number=number)
            _published(comment, display_name=name,
                       reply_author_id=comment.reply_to.author_id if comment.reply_to_id else None)
        _changed(comment)


def comment_edit(*, comment_id: int, content) -> Comment:
    """A moderator's edit of a comment's text (the admin): limited and screened like a new
    comment — a blocked word refuses it, masked words are masked, a "hold" match holds it — and
    the Redis thread shows the new text once the transaction commits."""
    content, held = _screen(_clean_content(content))
    with transaction.atomic():
        comment = Comment.objects.select_for_update().select_related("note", "author").filter(pk=comment_id).first()
        if comment is None or comment.deleted:
            raise NotFound()
        changes = {"content": content, **({"held": True} if held else {})}
        Comment.objects.filter(pk=comment_id).update(**changes)
        _content_saved(comment, content=content, held=held, author=comment.author)
        _changed(comment)
    for name, value in changes.items():
        setattr(comment, name, value)
    return comment


def _changed(comment: Comment) -> None:
    """The comment's row changed: its cached card goes on commit and the search index follows."""
    after_commit(
        lambda: cache.invalidate(comment.note_id, [comment.pk]), repair=Repair(cache.thread_drop, comment.note_id)
    )
    search.note_changed(comment.note_id, background=True)

