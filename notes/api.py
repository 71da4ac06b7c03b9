"""Notes endpoints of the contract (see ../shared/API.md). Each view parses, calls one service or
selector, and answers; errors take the contract's shape through treehole/api.py's handlers.

Extensions (recorded in the OpenAPI schema through these schemas): the Note's ``video``, the
``video_id`` field of create and edit, and the Category's ``description``.
"""

from datetime import date, datetime
from typing import Annotated, Literal

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.responses import Status

from pydantic import AwareDatetime, Strict, StrictBool

from accounts.authentication import api_auth, optional_api_auth
from notes import search, selectors, services
from notes.models import Category, Note, Poll, PollOption
from notes.search import load as search_load
from treehole import pagecache
from treehole.api import ErrorOut, api
from treehole.errors import InvalidInput, NotFound
from treehole.ids import IdString, parse_id
from treehole.pagination import PageQuery
from treehole.ratelimit import rate_limited
from treehole.text import Text, TextKind


router = Router(tags=["notes"])

ID = Field(..., examples=["7311828211384320001"])


class CategoryLite(Schema):
    slug: str
    name: str


class CategoryOut(CategoryLite):
    description: str
    note_count: int


class ImageOut(Schema):
    id: str = ID
    url: str
    thumb_url: str
    width: int
    height: int
    size: int


class VideoOut(Schema):
    """Extension: a video attached through a chunked upload."""

    id: str = ID
    url: str
    content_type: str
    size: int


class AuthorOut(Schema):
    display_name: str = Field(..., description="洞主 on an anonymous note, else the username")
    avatar_url: str | None
    anonymous: bool
    is_me: bool
    id: str | None = Field(None, description="Only when anonymous is false (the key is absent otherwise)")
    username: str | None = Field(None, description="Only when anonymous is false (the key is absent otherwise)")
    deleted: bool | None = Field(
        None, description="Extension: true on a signed note or comment of a deleted account (display_name 已注销用户, "
                          "no id or username); the key is absent otherwise")


class PollOptionOut(Schema):
    id: str = ID
    text: str
    votes: int | None = Field(..., ge=0, description="null until the caller has voted or the poll has closed")


class PollOut(Schema):
    question: str
    options: list[PollOptionOut] = Field(..., min_length=2, max_length=10)
    multiple: bool = Field(..., description="Several options may be chosen")
    closes_at: datetime | None = Field(..., description="When voting ends (null: never)")
    my_choices: list[str] = Field(..., description="The option ids the caller chose ([] when they have not voted or are signed out)")
    total_voters: int = Field(..., ge=0, description="How many people voted")
    closed: bool


class NoteOut(Schema):
    id: str = ID
    number: int = Field(..., ge=1, description="The short public number (#123): 1, 2, 3 … in publishing order, never reused")
    title: str
    content: str
    content_warning: str = Field(..., max_length=Note._meta.get_field("content_warning").max_length, description="The author's own content warning (\"\" for none); readers who fold warnings see only it until they open the note")
    category: CategoryLite
    images: list[ImageOut]
    video: VideoOut | None = Field(..., description="Extension: {id, url, content_type, size} or null")
    author: AuthorOut
    approve: int
    against: int
    score: int
    visits: int
    comment_count: int
    my_vote: Literal[1, 0, -1]
    following: bool = Field(..., description="The caller follows it (false when signed out)")
    bookmarked: bool = Field(..., description="The caller bookmarked it (false when signed out)")
    folded: bool
    warning_folded: bool = Field(
        False, description="Extension: the note has a content warning and the caller folds them (the default; "
                           "fold_warnings in /me/filters) — show the warning, open the note on request")
    pending_review: bool = Field(False, description="Extension: held for review, visible only to its author and staff")
    moderation_state: Literal["visible", "pending_review", "hidden"] | None = Field(
        None, description="Extension, /me/notes only: visible, pending_review (held) or hidden by a moderator"
    )
    hidden_reason: str | None = Field(
        None, description="Extension, /me/notes only: the moderator's reason when moderation_state is hidden (may be null)"
    )
    created_at: datetime
    updated_at: datetime
    edited_at: datetime | None = Field(..., description="The last edit of the title or the content (null: never edited)")
    poll: PollOut | None = Field(..., description="The note's poll, or null")


class RevisionOut(Schema):
    title: str = Field(..., description="The title as it was before the edit")
    content: str = Field(..., description="The content as it was before the edit")
    edited_at: datetime = Field(..., description="When an edit replaced this text")


class NotePageOut(Schema):
    results: list[NoteOut]
    page: int
    size: int
    total: int
    has_next: bool


LIMITS = settings.TREEHOLE_LIMITS
Title = Text(TextKind.LINE, min_length=1, max_length=LIMITS["title"])
Content = Text(TextKind.PROSE, min_length=1, max_length=LIMITS["note_content"])
CategorySlug = Text(
    TextKind.LINE, max_length=Category._meta.get_field("slug").max_length, description="A category slug",
    examples=["emotion", "study"],
)
ImageIds = list[IdString]
WARNING_MAX = Note._meta.get_field("content_warning").max_length
WarningText = Text(TextKind.LINE, max_length=WARNING_MAX)


class PollIn(Schema):
    question: Text(TextKind.LINE, min_length=1, max_length=Poll._meta.get_field("question").max_length)
    options: list[Text(TextKind.LINE, min_length=1, max_length=PollOption._meta.get_field("text").max_length)] = Field(
        ..., min_length=2, max_length=10, description="2-10 distinct option texts, in order")
    multiple: StrictBool = Field(False, description="Allow choosing several options")
    closes_at: AwareDatetime | None = Field(None, description="When voting ends (with a time zone; within a year); null: never")


class NoteIn(Schema):
    title: Title
    content: Content
    category: CategorySlug
    image_ids: ImageIds = Field(default_factory=list, max_length=LIMITS["images_per_note"], description="Image ids (strings) uploaded with purpose=note, in order")
    anonymous: StrictBool = True
    video_id: IdString | None = Field(None, description="Extension: the id of the caller's own published chunked upload (a video)")
    poll: PollIn | None = Field(None, description="A poll made with the note (it cannot be added or changed later)")
    content_warning: WarningText = Field("", description="A content warning of your own (\"自伤\", \"剧透\"; at most 30 characters; \"\" for none)")


class NotePatchIn(Schema):
    # Absent means "unchanged"; null is refused (the schema's type says so).
    title: Title = None
    content: Content = None
    category: CategorySlug = None
    image_ids: ImageIds = Field(None, max_length=LIMITS["images_per_note"])
    video_id: IdString | None = Field(None, description="Extension: a video file id; null removes the video")
    content_warning: WarningText = Field(None, description="Set or change the content warning (\"\" removes it); not an edit of the text")


class VoteIn(Schema):
    value: Annotated[int, Strict()] = Field(
        ..., description="1 (approve), -1 (against) or 0 (cancel)", json_schema_extra={"enum": [1, 0, -1]},
    )


class PollVoteIn(Schema):
    option_ids: list[IdString] = Field(..., max_length=10, description=(
        "The options chosen (exactly one for a single-choice poll); [] withdraws the ballot (extension)"))


class VoteOut(Schema):
    approve: int
    against: int
    score: int
    my_vote: Literal[1, 0, -1]


class ListQuery(PageQuery):
    order: Literal["hot", "new"] = "hot"
    category: CategorySlug | None = None


FilterKeyword = Text(TextKind.LINE, min_length=1, max_length=LIMITS["filter_keyword_chars"],
                     description="A word or phrase; matched case- and width-insensitively (ＡＢＣ = abc)")


class FiltersIn(Schema):
    """Personal filters (屏蔽), replaced whole. Only the caller's own lists and searches change."""

    muted_categories: list[CategorySlug] = Field(
        ..., max_length=50,
        description="Category slugs left out of the mixed feeds and of searches across every category "
                    "(the category's own list still shows them)")
    muted_keywords: list[FilterKeyword] = Field(
        ..., max_length=LIMITS["filter_keywords"],
        description=f"Notes whose title, content or content warning contain one of these leave every list and search "
                    f"(at most {LIMITS['filter_keywords']} words of at most {LIMITS['filter_keyword_chars']} characters; "
                    "the caller's own notes are never hidden)")
    fold_warnings: StrictBool = Field(..., description="Fold notes with a content warning behind it (true by default)")


class FiltersOut(Schema):
    muted_categories: list[str]
    muted_keywords: list[str]
    fold_warnings: bool
    updated_at: datetime | None = Field(..., description="The last change; null before the first")


class SearchQuery(PageQuery):
    q: Text(
        TextKind.LINE, max_length=100, json_schema_extra={"minLength": 1},
        description="What to look for (1-100 characters). `#123` jumps to note number 123.",
    ) = ""
    category: CategorySlug | None = None
    mode: Literal["words", "exact"] = Field(
        "words", description="words: every word must occur (Chinese is segmented); exact: the phrase as typed")
    order: Literal["relevance", "new"] = Field("relevance", description="relevance: full-text score; new: newest first")
    since: date | None = Field(None, description="Only notes created on or after this date (YYYY-MM-DD, site time zone)")
    until: date | None = Field(None, description="Only notes created on or before this date (YYYY-MM-DD, site time zone)")
    comments: bool = Field(False, description="Extension (包括评论): also search the signed comments of signed notes")


class SnippetComment(Schema):
    id: str = ID
    floor: int


class SnippetOut(Schema):
    field: Literal["title", "content", "comment"] = Field(
        ..., description="Where the excerpt comes from (comment: extension, with `comment`)")
    text: str = Field(..., description="A short excerpt (plain text, never HTML)")
    marks: list[tuple[int, int]] = Field(
        ..., description="[start, end) code-point ranges of `text` that matched; the page draws <mark> from them")
    comment: SnippetComment | None = Field(None, description="Extension: the comment the excerpt comes from")


class SearchResultOut(NoteOut):
    snippet: SnippetOut


class JumpOut(Schema):
    id: str = ID
    number: int = Field(..., ge=1, description="The note's public number")


class HotlineOut(Schema):
    name: str
    phone: str
    hours: str


class CareOut(Schema):
    title: str
    body: str
    hotlines: list[HotlineOut]


class SearchPageOut(Schema):
    results: list[SearchResultOut]
    page: int
    size: int
    total: int
    has_next: bool
    jump: JumpOut | None = Field(None, description="Extension: the note a `#123` query named (also first on page 1)")
    care: CareOut | None = Field(None, description="Extension: the help card, when the query contains a crisis phrase")


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}


def _viewer(request):
    auth = getattr(request, "auth", None)
    return auth if getattr(auth, "is_authenticated", False) else None


def _note_id(value: str) -> int:
    note_id = parse_id(value)
    if note_id is None:
        raise NotFound(_("帖子不存在或已被删除。"))
    return note_id


def _ids(values, field: str) -> list[int]:
    parsed = [parse_id(value) for value in values]
    if any(value is None for value in parsed):
        raise InvalidInput(_("提交的数据有误。"), fields={field: [_("不是有效的 ID。")]})
    return parsed


def _optional_id(value, field: str) -> int | None:
    if value is None:
        return None
    return _ids([value], field)[0]


@router.get("/categories", response=list[CategoryOut], summary="Categories with their note counts")
def categories(request):
    return selectors.category_list()


@router.get("/notes", auth=optional_api_auth, response={200: NotePageOut, **ERRORS}, exclude_unset=True,
            summary="Hot or new notes (optionally of one category), stable across pages")
def note_list(request, query: Query[ListQuery]):
    viewer = _viewer(request)
    # Signed out: the answer depends on the page's data alone. One round trip gives a digest of
    # everything it holds (notes/ranking/lua/list_digest.lua) and a stored answer for the same
    # digest is the same bytes (treehole/pagecache.py) — read before the page, never after.
    shown = None
    if viewer is None:
        digest = selectors.note_list_digest(order=query.order, category=query.category, page=query.page, size=query.size)
        if digest is not None:
            shown = [digest, query.order, query.category, query.page, query.size]
            stored = pagecache.stored_response("notes.list", shown)
            if stored is not None:
                return stored
    page = selectors.note_list(
        order=query.order, category=query.category, page=query.page, size=query.size, viewer=viewer
    )
    # The hottest endpoint: the selector already builds the contract's objects (notes/serializers.py),
    # so they are rendered as they are instead of being validated again against NotePageOut (kept
    # above for the OpenAPI schema). That validation was a third of the request's CPU time
    # (docs/benchmarks.md: 6.8 -> 4.6 ms per request in-process; 2.1 ms with hiredis).
    response = api.create_response(request, page.as_dict(), status=200)
    return response if shown is None else pagecache.store_response("notes.list", shown, response)


@router.get("/notes/search", auth=optional_api_auth, response={200: SearchPageOut, 503: ErrorOut, **ERRORS},
            exclude_unset=True, summary="Full-text search: words or an exact phrase, by relevance or newest")
def note_search(request, query: Query[SearchQuery]):
    viewer = _viewer(request)
    answer = search.note_search(
        q=query.q, mode=query.mode, order=query.order, category=query.category, since=query.since,
        until=query.until, comments=query.comments, page=query.page, size=query.size, viewer=viewer,
        gate=lambda: search_load.admit(request, viewer),
    )
    # Rendered as built, like note_list: the service already makes the contract's objects, and
    # validating 20 results again against SearchPageOut (kept for the OpenAPI schema; a test checks
    # the two agree) cost about as much CPU as the search itself.
    return api.create_response(request, answer.as_dict(), status=200)


@router.post("/notes", auth=api_auth, response={201: NoteOut, **ERRORS}, exclude_unset=True, summary="Publish a note")
@rate_limited("post")
def note_create(request, payload: NoteIn):
    note = services.note_create(
        author=request.auth,
        title=payload.title,
        content=payload.content,
        category=payload.category,
        anonymous=payload.anonymous,
        image_ids=_ids(payload.image_ids, "image_ids"),
        video_id=_optional_id(payload.video_id, "video_id"),
        poll=payload.poll.model_dump() if payload.poll is not None else None,
        content_warning=payload.content_warning,
    )
    return Status(201, selectors.note_detail(note_id=note.pk, viewer=request.auth, count_visit=False))


@router.get("/notes/{note_id}", auth=optional_api_auth, response={200: NoteOut, **ERRORS}, exclude_unset=True,
            summary="One note (counts a visit)")
def note_detail(request, note_id: str):
    viewer = _viewer(request)
    note = selectors.note_detail(note_id=_note_id(note_id), viewer=viewer)
    if note["following"]:
        services.note_follow_seen(user=viewer, note_id=int(note["id"]))
    return Status(200, note)


@router.get("/notes/by-number/{number}", auth=optional_api_auth, response={200: NoteOut, **ERRORS}, exclude_unset=True,
            summary="The note with this public number (#123; counts a visit)")
def note_by_number(request, number: Annotated[int, Path(ge=1, le=2**31 - 1, description="The note's public number")]):
    viewer = _viewer(request)
    note = selectors.note_detail(note_id=selectors.note_id_by_number(number=number, viewer=viewer), viewer=viewer)
    if note["following"]:
        services.note_follow_seen(user=viewer, note_id=int(note["id"]))
    return Status(200, note)


@router.get("/notes/{note_id}/revisions", auth=optional_api_auth, response={200: list[RevisionOut], **ERRORS},
            summary="A note's earlier versions, newest first (no author; the current text is the Note)")
def note_revisions(request, note_id: str):
    revisions = selectors.note_revisions(note_id=_note_id(note_id), viewer=_viewer(request))
    return Status(200, [{"title": r["title"], "content": r["content"], "edited_at": r["edited_at"]} for r in revisions])


@router.patch("/notes/{note_id}", auth=api_auth, response={200: NoteOut, **ERRORS}, exclude_unset=True,
              summary="Edit a note (author only)")
@rate_limited("post")
def note_update(request, note_id: str, payload: NotePatchIn):
    note_id = _note_id(note_id)
    given = payload.model_dump(exclude_unset=True)
    for field in ("title", "content", "category", "image_ids", "content_warning"):
        if field in given and given[field] is None:
            raise InvalidInput(_("提交的数据有误。"), fields={field: [_("此项不能为 null。")]})
    changes = {field: given[field] for field in ("title", "content", "category", "content_warning") if field in given}
    if "image_ids" in given:
        changes["image_ids"] = _ids(given["image_ids"], "image_ids")
    if "video_id" in given:
        changes["video_id"] = _optional_id(given["video_id"], "video_id")
    services.note_update(note_id=note_id, user=request.auth, **changes)
    return Status(200, selectors.note_detail(note_id=note_id, viewer=request.auth, count_visit=False))


@router.delete("/notes/{note_id}", auth=api_auth, response={204: None, **ERRORS},
               summary="Delete a note (author or staff) with its comments, votes, images and cache")
@rate_limited("post")
def note_delete(request, note_id: str):
    services.note_delete(note_id=_note_id(note_id), user=request.auth)
    return Status(204, None)


@router.put("/notes/{note_id}/vote", auth=api_auth, response={200: VoteOut, **ERRORS},
            summary="Vote 1 / -1, or 0 to cancel (idempotent)")
@rate_limited("vote")
def note_vote(request, note_id: str, payload: VoteIn):
    result = services.note_vote(note_id=_note_id(note_id), user=request.auth, value=payload.value)
    return Status(200, {"approve": result.approve, "against": result.against, "score": result.score, "my_vote": result.my_vote})


@router.put("/notes/{note_id}/poll/vote", auth=api_auth, response={200: PollOut, 409: ErrorOut, **ERRORS},
            summary="Vote in the note's poll: one ballot per user, changeable until the poll closes")
@rate_limited("vote")
def poll_vote(request, note_id: str, payload: PollVoteIn):
    note_id = _note_id(note_id)
    services.poll_vote(note_id=note_id, user=request.auth, option_ids=_ids(payload.option_ids, "option_ids"))
    return Status(200, selectors.note_detail(note_id=note_id, viewer=request.auth, count_visit=False)["poll"])


@router.put("/notes/{note_id}/follow", auth=api_auth, response={204: None, **ERRORS},
            summary="Follow a note: its new comments notify you (idempotent)")
@rate_limited("follow")
def note_follow(request, note_id: str):
    services.note_follow(user=request.auth, note_id=_note_id(note_id))
    return Status(204, None)


@router.delete("/notes/{note_id}/follow", auth=api_auth, response={204: None, **ERRORS},
               summary="Stop following a note (idempotent)")
@rate_limited("follow")
def note_unfollow(request, note_id: str):
    services.note_unfollow(user=request.auth, note_id=_note_id(note_id))
    return Status(204, None)


@router.put("/notes/{note_id}/bookmark", auth=api_auth, response={204: None, **ERRORS},
            summary="Bookmark a note, privately (idempotent)")
@rate_limited("follow")
def note_bookmark(request, note_id: str):
    services.note_bookmark(user=request.auth, note_id=_note_id(note_id))
    return Status(204, None)


@router.delete("/notes/{note_id}/bookmark", auth=api_auth, response={204: None, **ERRORS},
               summary="Remove a bookmark (idempotent)")
@rate_limited("follow")
def note_unbookmark(request, note_id: str):
    services.note_unbookmark(user=request.auth, note_id=_note_id(note_id))
    return Status(204, None)


@router.get("/me/filters", auth=api_auth, response={200: FiltersOut, **ERRORS},
            summary="The caller's personal filters (muted categories and keywords, content warnings)")
def my_filters(request):
    return Status(200, selectors.note_filter_get(user=request.auth))


@router.put("/me/filters", auth=api_auth, response={200: FiltersOut, **ERRORS},
            summary="Replace the caller's personal filters")
@rate_limited("settings")
def my_filters_put(request, payload: FiltersIn):
    services.note_filter_save(user=request.auth, muted_categories=payload.muted_categories,
                              muted_keywords=payload.muted_keywords, fold_warnings=payload.fold_warnings)
    return Status(200, selectors.note_filter_get(user=request.auth))


@router.get("/me/bookmarks", auth=api_auth, response={200: NotePageOut, **ERRORS}, exclude_unset=True,
            summary="The caller's bookmarks, most recently bookmarked first")
def my_bookmarks(request, query: Query[PageQuery]):
    return Status(200, selectors.note_list_bookmarked(user=request.auth, page=query.page, size=query.size).as_dict())


@router.get("/me/notes", auth=api_auth, response={200: NotePageOut, **ERRORS}, exclude_unset=True,
            summary="The caller's notes, newest first (hidden ones too, with moderation_state and hidden_reason)")
def my_notes(request, query: Query[PageQuery]):
    page = selectors.note_list_by_author(user=request.auth, page=query.page, size=query.size)
    return Status(200, page.as_dict())
