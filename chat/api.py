"""Chat endpoints of the contract (see ../shared/API.md). Views parse, call a selector, answer."""

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from accounts.authentication import api_auth
from chat import selectors
from treehole.errors import InvalidInput
from treehole.ids import IdString, parse_id

router = Router(tags=["chat"])


class PublicUserOut(Schema):
    id: str = Field(..., examples=["7311828211384320001"])
    username: str
    avatar_url: str | None


class ChatMessageOut(Schema):
    id: str = Field(..., examples=["7311828211384320001"])
    user: PublicUserOut
    content: str
    created_at: str = Field(..., examples=["2026-11-27T08:31:00.123456+00:00"])


class OnlineOut(Schema):
    count: int
    users: list[PublicUserOut]


class HistoryOut(Schema):
    results: list[ChatMessageOut]
    has_more: bool


class HistoryQuery(Schema):
    before: IdString | None = Field(None, description="a message id: the messages just older than it")
    after: IdString | None = Field(None, description="a message id: the messages just newer (catch-up after a reconnect)")
    limit: int | None = Field(None, description="default 50, at most 100 (larger values are capped)", json_schema_extra={"minimum": 1})


def _cursor(value: str | None, name: str) -> int | None:
    if value in (None, ""):
        return None
    parsed = parse_id(value)
    if parsed is None:
        raise InvalidInput(fields={name: [_("应为消息 ID。")]})
    return parsed


@router.get("/online", response=OnlineOut, auth=api_auth, summary="Who is in the chat room")
def online(request):
    """Distinct users with a live WebSocket on any server process."""
    return selectors.chat_online()


@router.get("/messages", response=HistoryOut, auth=api_auth, summary="Chat history")
def messages(request, query: Query[HistoryQuery]):
    """Oldest first. Without a cursor the latest messages; `before=<id>` pages back; `after=<id>`
    returns what followed a message (a reconnecting client's catch-up). `has_more` tells whether
    more exist beyond the page in the direction asked."""
    before = _cursor(query.before, "before")
    after = _cursor(query.after, "after")
    if before is not None and after is not None:
        raise InvalidInput(_("before 和 after 只能给一个。"), fields={"after": [_("before 和 after 只能给一个。")]})
    limit = query.limit if query.limit is not None else settings.CHAT_HISTORY_LIMIT_DEFAULT
    if limit < 1:
        raise InvalidInput(fields={"limit": [_("limit 至少为 1。")]})
    limit = min(limit, settings.CHAT_HISTORY_LIMIT_MAX)
    results, has_more = selectors.chat_history(before=before, after=after, limit=limit)
    return {"results": results, "has_more": has_more}
