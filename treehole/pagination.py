"""The contract's page/size query parameters, shared by every paginated endpoint and page."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Field, Schema

from treehole.errors import InvalidInput


class PageQuery(Schema):
    """``?page=`` (1-based) and ``?size=`` (default 20, max 50); use as ``Query[PageQuery]``."""

    page: int = Field(1, ge=1, le=100_000, description="1-based page number")
    size: int = Field(20, ge=1, le=50, description="items per page (max 50)")


def page_params(page, size) -> tuple[int, int]:
    """Validate page/size from an HTML view's query string (lenient: bad values fall back)."""
    limits = settings.TREEHOLE_LIMITS
    try:
        page = max(1, min(int(page or 1), 100_000))
    except (TypeError, ValueError):
        page = 1
    try:
        size = max(1, min(int(size or limits["page_size_default"]), limits["page_size_max"]))
    except (TypeError, ValueError):
        size = limits["page_size_default"]
    return page, size


def check_page_params(page: int, size: int) -> None:
    if page < 1:
        raise InvalidInput(fields={"page": [_("页码从 1 开始。")]})
    if not 1 <= size <= settings.TREEHOLE_LIMITS["page_size_max"]:
        raise InvalidInput(fields={"size": [_("每页 1 到 %(n)d 条。") % {"n": settings.TREEHOLE_LIMITS["page_size_max"]}]})
