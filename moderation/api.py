"""Moderation endpoints of the contract (POST /api/v1/reports) and the caller's own reports."""

from datetime import datetime
from typing import Literal

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from accounts.authentication import api_auth
from moderation import selectors, services
from moderation.serializers import report_public
from treehole.api import ErrorOut
from treehole.errors import InvalidInput
from treehole.ids import IdString, parse_id
from treehole.pagination import PageQuery
from treehole.ratelimit import rate_limited
from treehole.text import Text, TextKind


router = Router(tags=["moderation"])


def _target_type_enum(schema: dict) -> None:
    """The registered kinds, read when the schema is built (apps register them in ``ready``)."""
    from moderation import targets

    schema["enum"] = list(targets.kinds())


class ReportIn(Schema):
    target_type: Text(TextKind.LINE, max_length=20) = Field(
        ..., description='"note", "comment" or "message" (every registered target kind)', json_schema_extra=_target_type_enum
    )
    target_id: IdString
    reason: Literal["spam", "abuse", "self_harm", "privacy", "illegal", "other"]
    text: Text(TextKind.PROSE, max_length=settings.MODERATION_REPORT_TEXT_MAX) = Field("", description="Free text; required when reason is other")


class ReportOut(Schema):
    id: str
    target_type: str
    target_id: str
    reason: str
    text: str
    excerpt: str
    status: Literal["open", "closed"]
    outcome: Literal["handled", "no_violation"] | None = Field(
        ..., description="null while open; never what was done or to whom (a reporter is not told of a ban)"
    )
    outcome_display: str | None
    created_at: datetime
    closed_at: datetime | None


class ReportPage(Schema):
    results: list[ReportOut]
    page: int
    size: int
    total: int
    has_next: bool


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut}


@router.post("/reports", auth=api_auth, response={201: ReportOut, **ERRORS}, summary="Report a note, comment or chat message")
@rate_limited("report")
def report_create(request, payload: ReportIn):
    target_id = parse_id(payload.target_id)
    if target_id is None:
        raise InvalidInput(fields={"target_id": [_("不是有效的 ID。")]})
    report = services.report_create(
        reporter=request.auth, target_type=payload.target_type, target_id=target_id, reason=payload.reason, text=payload.text
    )
    return Status(201, report_public(report))


@router.get("/reports/mine", auth=api_auth, response={200: ReportPage, **ERRORS}, summary="The caller's reports and their outcomes")
def reports_mine(request, query: Query[PageQuery]):
    page = selectors.report_list_mine(user=request.auth, page=query.page, size=query.size)
    return Status(200, page.with_results([report_public(report) for report in page.results]).as_dict())
