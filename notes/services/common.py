"""Rules shared by the note services: field validation, the vote window, Redis state of a row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from notes import ranking
from notes.models import Category, Note, NoteImage
from treehole import clock
from treehole.effects import Repair, after_commit
from treehole.errors import InvalidInput, NotFound
from uploads.services import images_claim, video_claim


def window_end(note: Note) -> datetime:
    return note.created_at + timedelta(seconds=settings.NOTES_VOTE_WINDOW_SECONDS)


def in_vote_window(note: Note) -> bool:
    return clock.now() < window_end(note)


def voted_ttl(note: Note) -> int:
    """Seconds until the note's voted set expires (its vote window closes)."""
    return int((window_end(note) - clock.now()).total_seconds())


def base_score(created_at: datetime) -> int:
    """The hot score of a note without votes: its creation time in whole seconds."""
    return int(created_at.timestamp())


def on_commit_redis(note_id: int, func) -> None:
    """A note's Redis side effect, run after commit through the one on-commit helper: a failure
    is logged, never raised (the database is the truth), and the note's keys are then redone
    from its row (``ranking.note_repair``)."""
    after_commit(func, repair=Repair(ranking.note_repair, note_id))


def locked_note(note_id: int, user, *, related: Sequence[str] = ("category",)) -> Note:
    """The note row, locked for the rest of the transaction. Hidden notes exist only for staff."""
    note = Note.objects.select_for_update().select_related(*related).filter(pk=note_id).first()
    if note is None or (note.hidden and not getattr(user, "is_staff", False)):
        raise NotFound(_("帖子不存在或已被删除。"))
    return note


def clean_fields(*, title=None, content=None, category=None, required: bool) -> dict:
    """Validated note fields (only those given, unless ``required``); every problem at once."""
    limits = settings.TREEHOLE_LIMITS
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    if title is not None or required:
        title = (title or "").strip()
        if not title:
            errors["title"] = [_("标题不能为空。")]
        elif len(title) > limits["title"]:
            errors["title"] = [_("标题最多 %(n)d 个字。") % {"n": limits["title"]}]
        cleaned["title"] = title
    if content is not None or required:
        content = (content or "").strip()
        if not content:
            errors["content"] = [_("内容不能为空。")]
        elif len(content) > limits["note_content"]:
            errors["content"] = [_("内容最多 %(n)d 个字。") % {"n": limits["note_content"]}]
        cleaned["content"] = content
    if category is not None or required:
        found = Category.objects.filter(slug=(category or "").strip()).first() if category else None
        if found is None:
            errors["category"] = [_("请选择一个存在的分类。")]
        cleaned["category"] = found
    if errors:
        raise InvalidInput(_("提交的数据有误。"), fields=errors)
    return cleaned


def clean_warning(value) -> str:
    """The author's content warning ("自伤", "剧透"): one line, normalised (treehole/text.py),
    at most ``CONTENT_WARNING_MAX`` characters; "" for none."""
    from treehole.text import TextKind, clean_text

    return clean_text(value, field="content_warning", kind=TextKind.LINE,
                      max_length=CONTENT_WARNING_MAX).strip()


CONTENT_WARNING_MAX = Note._meta.get_field("content_warning").max_length


def screen_text_fields(fields: dict) -> bool:
    """Run the sensitive-word filter over the title/content in ``fields`` (masking in place).
    A blocked word raises ``InvalidInput`` on its field; returns True when the text is held."""
    from moderation.filters import screen_fields

    texts = {name: fields[name] for name in ("title", "content") if name in fields}
    if not texts:
        return False
    masked, held = screen_fields(texts)
    fields.update(masked)
    return held


def report_content_saved(note: Note, *, held: bool) -> None:
    """Tell moderation (inside the transaction): held text and crisis phrases open a case."""
    from moderation.services import content_saved

    content_saved(target_type="note", target_id=note.pk, text=f"{note.title}\n{note.content}", held=held, author=note.author)


def claim_images(*, owner, image_ids: Sequence[int], note: Note | None) -> list:
    """The caller's own images for ``note`` (None: a new note), in order, marked attached.
    An image already on another note is refused."""
    image_ids = list(image_ids)
    elsewhere = NoteImage.objects.filter(image_id__in=image_ids)
    if note is not None:
        elsewhere = elsewhere.exclude(note=note)
    if image_ids and elsewhere.exists():
        raise InvalidInput(_("提交的数据有误。"), fields={"image_ids": [_("图片已经用在别的帖子里了。")]})
    return images_claim(owner=owner, image_ids=image_ids)


def claim_video(*, owner, video_id: int, note: Note | None):
    """The caller's own published video file, marked attached (refused when another note shows it)."""
    return video_claim(
        owner=owner, file_id=video_id,
        in_use=lambda: Note.objects.filter(video_id=video_id).exclude(pk=getattr(note, "pk", None)).exists(),
    )
