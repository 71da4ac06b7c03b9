"""Follow (关注) and bookmark (收藏): a user's relations to a note. Both are idempotent (a second
follow changes nothing, an unfollow of what is not followed too) and race-free (the unique
constraint decides, ``INSERT IGNORE`` never raises)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from notes.models import Bookmark, Follow, Note
from treehole import clock
from treehole.errors import NotFound


def _visible_note_id(note_id: int, user) -> int:
    """The note's id if ``user`` may see it (hidden notes: staff; held ones: staff and author)."""
    notes = Note.objects.filter(pk=note_id)
    if not getattr(user, "is_staff", False):
        notes = notes.filter(Q(hidden=False) | Q(held=True, author_id=user.pk))
    if not notes.exists():
        raise NotFound(_("帖子不存在或已被删除。"))
    return note_id


def follow_add(*, user_id: int, note_id: int, at=None) -> None:
    """Follow without checks, inside the caller's transaction: the author on publishing, a
    commenter on their first comment (both already know the note is theirs to see). ``at``: when
    (an imported comment's time; now by default)."""
    now = at or clock.now()
    Follow.objects.bulk_create([Follow(user_id=user_id, note_id=note_id, created_at=now, seen_at=now)], ignore_conflicts=True)


def note_follow(*, user, note_id: int) -> None:
    """Follow a note the user can see: its new comments will notify them."""
    follow_add(user_id=user.pk, note_id=_visible_note_id(note_id, user))


def note_unfollow(*, user, note_id: int) -> None:
    """Stop following (no more comment notifications; replies to the user's own comments still
    come). A note that does not exist is a 404; one that is not followed is fine."""
    if not Note.objects.filter(pk=note_id).exists():
        raise NotFound(_("帖子不存在或已被删除。"))
    Follow.objects.filter(user_id=user.pk, note_id=note_id).delete()


def note_follow_seen(*, user, note_id: int) -> None:
    """The follower opened the note: "我的关注" counts new floors from now on."""
    Follow.objects.filter(user_id=user.pk, note_id=note_id).update(seen_at=clock.now())


def note_bookmark(*, user, note_id: int) -> None:
    """Bookmark a note the user can see (private; nobody is told)."""
    note_id = _visible_note_id(note_id, user)
    Bookmark.objects.bulk_create([Bookmark(user_id=user.pk, note_id=note_id, created_at=clock.now())], ignore_conflicts=True)


def note_unbookmark(*, user, note_id: int) -> None:
    if not Note.objects.filter(pk=note_id).exists():
        raise NotFound(_("帖子不存在或已被删除。"))
    Bookmark.objects.filter(user_id=user.pk, note_id=note_id).delete()
