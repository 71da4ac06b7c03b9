"""One pagination for every list: the API's, the pages' and the staff's.

The contract's lists take ``page`` (1-based) and ``size`` and answer
``{"results", "page", "size", "total", "has_next"}``. Every list builds that answer from a
:class:`Page`, and every page number and size goes through :func:`page_bounds` (strict: the API,
a bad value is a 400 ``invalid`` naming ``page`` or ``size``) or :func:`page_bounds_lenient` (the
HTML pages: a bad value falls back to a usable one, the page still renders). The bounds come from
``TREEHOLE_LIMITS`` (``page_size_default``, ``page_size_max``, ``page_max``), so no list can be
asked for an offset the database or Redis cannot represent (``?page=10**30`` is refused, not a
SQL overflow).

A page past the end of a list (``?page=999`` of a 3-page list) is not an error: it is an empty
page with ``out_of_range`` true and ``last`` the last page number, which a template can show.

    from treehole.pagination import PageQuery, page_bounds, paginate

    class ListQuery(PageQuery):            # the API's query schema: page, size + the list's own
        order: Literal["hot", "new"] = "hot"

    page, size = page_bounds(page, size)   # in the selector, whoever called it
    return paginate(queryset.order_by("-created_at", "-id"), page=page, size=size, load=serialize)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Field, Schema

from treehole.errors import InvalidInput


def size_default() -> int:
    return settings.TREEHOLE_LIMITS["page_size_default"]


def size_max() -> int:
    return settings.TREEHOLE_LIMITS["page_size_max"]


def page_max() -> int:
    return settings.TREEHOLE_LIMITS["page_max"]


@dataclass(frozen=True)
class Page:
    """One page of a list: its results and where it sits in the whole."""

    results: Sequence[Any]
    page: int
    size: int
    total: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def last(self) -> int:
        """The last page number (1 for an empty list: page 1 of an empty list is in range)."""
        return max(1, -(-self.total // self.size))

    @property
    def out_of_range(self) -> bool:
        """Asked for a page past the end (its results are empty)."""
        return self.page > self.last

    @property
    def has_next(self) -> bool:
        return self.page * self.size < self.total

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    def with_results(self, results: Sequence[Any]) -> Page:
        """The same page with its results replaced (e.g. serialized)."""
        return replace(self, results=results)

    def as_dict(self) -> dict:
        """The contract's page object."""
        return {"results": list(self.results), "page": self.page, "size": self.size, "total": self.total,
                "has_next": self.has_next}


def _size_message() -> str:
    return _("每页 1 到 %(n)d 条。") % {"n": size_max()}


def _page_message() -> str:
    return _("页码应在 1 到 %(n)d 之间。") % {"n": page_max()}


def page_bounds(page: int | None, size: int | None, *, default_size: int | None = None) -> tuple[int, int]:
    """``(page, size)`` checked against the bounds; a 400 ``invalid`` naming the bad field otherwise.

    ``None`` means "not given": page 1, and ``default_size`` (the setting's default unless a list
    has its own)."""
    page = 1 if page is None else page
    size = (default_size or size_default()) if size is None else size
    errors = {}
    if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= page_max():
        errors["page"] = [_page_message()]
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= size_max():
        errors["size"] = [_size_message()]
    if errors:
        raise InvalidInput(_("提交的数据有误。"), fields=errors)
    return page, size


def page_bounds_lenient(page: Any, size: Any = None, *, default_size: int | None = None) -> tuple[int, int]:
    """``(page, size)`` from a page's query string: anything unusable becomes something usable
    (not a number → page 1 / the default size; too small → 1; too large → the largest allowed),
    so a hand-edited URL still renders a page."""
    default = default_size or size_default()
    try:
        page = min(max(1, int(page)), page_max()) if page not in (None, "") else 1
    except (TypeError, ValueError):
        page = 1
    try:
        size = min(max(1, int(size)), size_max()) if size not in (None, "") else default
    except (TypeError, ValueError):
        size = default
    return page, size


def paginate(queryset, *, page: int, size: int, load: Callable[[list], Sequence[Any]] | None = None) -> Page:
    """A :class:`Page` of an ordered queryset: one COUNT, and one query for the rows unless the
    page lies past the end. ``load(rows)`` turns the rows into results (serializing them, in bulk)."""
    total = queryset.count()
    offset = (page - 1) * size
    rows = list(queryset[offset:offset + size]) if offset < total else []
    return Page(load(rows) if load is not None else rows, page, size, total)


class PageQuery(Schema):
    """The API's ``?page=&size=`` (use as ``Query[PageQuery]``, or subclass it for a list's own
    parameters). The bounds are checked by :func:`page_bounds` in the selector, so the API and
    the pages give the same answer and message for the same bad value."""

    # The bounds are stated in the schema (so clients and the contract fuzzer know them) and
    # checked by page_bounds, which gives the same message as the pages.
    page: int = Field(
        1,
        description=f"1-based page number (at most {settings.TREEHOLE_LIMITS['page_max']})",
        json_schema_extra={"minimum": 1, "maximum": settings.TREEHOLE_LIMITS["page_max"]},
    )
    size: int = Field(
        settings.TREEHOLE_LIMITS["page_size_default"],
        description=f"items per page (at most {settings.TREEHOLE_LIMITS['page_size_max']})",
        json_schema_extra={"minimum": 1, "maximum": settings.TREEHOLE_LIMITS["page_size_max"]},
    )
