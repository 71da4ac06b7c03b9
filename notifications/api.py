"""Notifications endpoints of the contract (the "Follow, bookmarks, notifications" part of
../shared/API.md), and ``GET /me/following`` (follow and bookmark writes live in notes/api.py).

Extension (in the OpenAPI schema): each Note of ``/me/following`` carries ``new_floors``, the
visible floors added since the caller last opened it ("我的关注")."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import StrictBool
from redis.exceptions import RedisError

from accounts import tokens, verification
from accounts.authentication import ApiAuth, api_auth, api_user_or_none
from notes.api import NoteOut
from notifications import selectors, services
from treehole.api import ErrorOut
from treehole.errors import DomainError, InvalidInput
from treehole.pagination import PageQuery

router = Router(tags=["notifications"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}


class NoteRef(Schema):
    id: str
    number: int
    title: str = Field(..., description="Empty when the note was hidden by a moderator (its author still sees it)")


class CommentRef(Schema):
    id: str
    floor: int


class ActorOut(Schema):
    display_name: str = Field(..., description="Exactly what the thread shows: 洞主, an alias such as Alice, or a signed note's username")


class NotificationOut(Schema):
    id: str
    kind: Literal["comment", "reply", "moderation", "ban", "report_handled"]
    note: NoteRef | None
    comment: CommentRef | None
    actor: ActorOut | None
    count: int = Field(..., description="How many comments this folded `comment` notification stands for (1 otherwise)")
    read: bool
    text: str
    created_at: datetime
    updated_at: datetime


class NotificationPageOut(Schema):
    results: list[NotificationOut]
    page: int
    size: int
    total: int
    has_next: bool


class NotificationQuery(PageQuery):
    unread: bool | None = Field(None, description="true: only unread; false: only read; absent: all")


class CountOut(Schema):
    count: int


class ReadIn(Schema):
    # Each id is checked by the service (digits, a string or a number; never a bool), so a bad one
    # is reported under "ids" whatever its type.
    ids: list[Any] | None = Field(None, description="Notification ids (strings) to mark read, at most 100")
    all: StrictBool | None = Field(None, description="true: mark every notification read")


class FollowedNoteOut(NoteOut):
    new_floors: int = Field(..., description="Extension: visible floors added since the caller last opened the note")


class FollowedPageOut(Schema):
    results: list[FollowedNoteOut]
    page: int
    size: int
    total: int
    has_next: bool


class _Caller:
    """Who asks for the unread count, known from the token alone: its signature, expiry and
    version (the cached current version, as sockets check it on every frame). No user row is
    read, so a warm count costs no SQL; any doubt falls back to the full check."""

    is_authenticated = True

    def __init__(self, pk: int):
        self.pk = pk


class UnreadCountAuth(ApiAuth):
    def __call__(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            try:
                claims = tokens.decode(token.strip(), tokens.ACCESS)
                user_id = int(claims["sub"])
                if verification.token_version_cached(user_id) == claims["ver"]:
                    return _Caller(user_id)
            except (DomainError, RedisError, KeyError, ValueError, TypeError):  # the full check decides
                pass
            user = api_user_or_none(request)
            if user is not None:
                try:  # the token matched the database: the next count needs no user row
                    verification.token_version_store(user.pk, user.token_version)
                except RedisError:
                    pass
            return user
        return api_user_or_none(request)


unread_count_auth = UnreadCountAuth()


@router.get("/notifications", auth=api_auth, response={200: NotificationPageOut, **ERRORS},
            summary="The caller's notifications, most recently updated first")
def notification_list(request, query: Query[NotificationQuery]):
    page = selectors.notification_list(user=request.auth, unread=query.unread, page=query.page, size=query.size)
    return Status(200, page.as_dict())


@router.get("/notifications/unread-count", auth=unread_count_auth, response={200: CountOut, **ERRORS},
            summary="How many of the caller's notifications are unread")
def notification_unread_count(request):
    return Status(200, {"count": selectors.notification_unread_count(user_id=request.auth.pk)})


@router.post("/notifications/read", auth=api_auth, response={200: CountOut, **ERRORS},
             summary="Mark notifications read ({ids} or {all: true}); answers the unread count left")
def notification_read(request, payload: ReadIn):
    if payload.all is not None and payload.ids is not None:
        raise InvalidInput(_("请只给出 ids 或 all 其中之一。"), fields={"all": [_("请只给出 ids 或 all 其中之一。")]})
    if payload.all is not None:
        if payload.all is not True:
            raise InvalidInput(fields={"all": [_("all 只能是 true。")]})
        left = services.notifications_mark_read(user=request.auth, all=True)
    elif payload.ids is not None:
        left = services.notifications_mark_read(user=request.auth, ids=payload.ids)
    else:
        raise InvalidInput(_("请给出 ids 或 all。"), fields={"ids": [_("请给出要标为已读的通知。")]})
    return Status(200, {"count": left})


@router.get("/me/following", auth=api_auth, response={200: FollowedPageOut, **ERRORS}, exclude_unset=True,
            summary="The notes the caller follows, most recently followed first, with their new floors")
def my_following(request, query: Query[PageQuery]):
    return Status(200, selectors.following_page(user=request.auth, page=query.page, size=query.size).as_dict())
