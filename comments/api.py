"""Comments endpoints of the contract (see ../shared/API.md)."""

from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from accounts.authentication import api_auth, api_user_or_none, optional_api_auth
from comments import selectors, services
from treehole.api import ErrorOut
from treehole.errors import InvalidInput, NotFound
from treehole.ids import IdString, parse_id
from treehole.pagination import PageQuery
from treehole.ratelimit import rate_limited
from treehole.text import Text, TextKind

router = Router(tags=["comments"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}


class CommentAuthorOut(Schema):
    id: str | None = Field(None, description="Only when the note is not anonymous")
    username: str | None = Field(None, description="Only when the note is not anonymous")
    display_name: str = Field(..., description="洞主, a per-note alias (Alice, Bob, …) or the username")
    avatar_url: str | None
    anonymous: bool
    is_me: bool
    is_note_author: bool
    deleted: bool | None = Field(
        None, description="Extension: true on a signed comment of a deleted account (display_name 已注销用户, no id "
                          "or username); the key is absent otherwise")


class ReplyToOut(Schema):
    id: str
    floor: int
    display_name: str


class CommentOut(Schema):
    id: str
    note_id: str
    floor: int
    content: str
    author: CommentAuthorOut | None = Field(..., description="null for a deleted comment")
    reply_to: ReplyToOut | None
    deleted: bool
    folded: bool
    pending_review: bool = Field(False, description="Extension: held for review (visible only to its author)")
    created_at: datetime


class CommentHistoryOut(CommentOut):
    note_title: str


class CommentPageOut(Schema):
    results: list[CommentOut]
    page: int
    size: int
    total: int
    has_next: bool


class CommentHistoryPageOut(Schema):
    results: list[CommentHistoryOut]
    page: int
    size: int
    total: int
    has_next: bool


class CommentIn(Schema):
    content: Text(TextKind.PROSE, min_length=1, max_length=settings.TREEHOLE_LIMITS["comment_content"])
    reply_to: IdString | None = Field(None, description="The id of a comment of the same note")


class CommentPageQuery(PageQuery):
    only_author: bool = Field(False, description="只看洞主: only the floors the note's author wrote (deleted ones left out)")


def _note_id(value: str) -> int:
    note_id = parse_id(value)
    if note_id is None:
        raise NotFound(_("帖子不存在或已被删除。"))
    return note_id


@router.get("/notes/{note_id}/comments", auth=optional_api_auth, response={200: CommentPageOut, **ERRORS}, exclude_unset=True, summary="A note's comments, floor order (only_author=true: 只看洞主)")
def note_comments(request, note_id: str, params: Query[CommentPageQuery]):
    return selectors.comment_page(
        note_id=_note_id(note_id), page=params.page, size=params.size, viewer=api_user_or_none(request),
        only_author=params.only_author,
    ).as_dict()


@router.post("/notes/{note_id}/comments", auth=api_auth, response={201: CommentOut, **ERRORS}, exclude_unset=True, summary="Comment on a note")
@rate_limited("comment")
def comment_create(request, note_id: str, payload: CommentIn):
    reply_to_id = None
    if payload.reply_to is not None:
        reply_to_id = parse_id(payload.reply_to)
        if reply_to_id is None:
            raise InvalidInput(fields={"reply_to": [_("不是有效的评论 ID。")]})
    comment = services.comment_create(
        user=request.auth, note_id=_note_id(note_id), content=payload.content, reply_to_id=reply_to_id
    )
    return Status(201, selectors.comment_by_id_serialized(comment.pk, viewer=request.auth))


@router.delete("/comments/{comment_id}", auth=api_auth, response={204: None, **ERRORS}, summary="Delete a comment (floor kept)")
def comment_delete(request, comment_id: str):
    parsed = parse_id(comment_id)
    if parsed is None:
        raise NotFound(_("评论不存在或已被删除。"))
    services.comment_delete(user=request.auth, comment_id=parsed)
    return Status(204, None)


@router.get("/me/comments", auth=api_auth, response={200: CommentHistoryPageOut, **ERRORS}, exclude_unset=True, summary="The caller's comments, newest first")
def my_comments(request, params: Query[PageQuery]):
    return selectors.comment_history(user=request.auth, page=params.page, size=params.size).as_dict()
