"""treehole.pagination: the one Page type and the bounds every list checks."""

from __future__ import annotations

import pytest

from treehole.errors import InvalidInput
from treehole.pagination import Page, page_bounds, page_bounds_lenient


@pytest.fixture(autouse=True)
def bounds(settings):
    settings.TREEHOLE_LIMITS = {**settings.TREEHOLE_LIMITS, "page_size_default": 20, "page_size_max": 50, "page_max": 1000}


def test_page_numbers():
    page = Page(["a", "b"], page=2, size=2, total=5)
    assert (page.offset, page.last, page.has_next, page.has_previous, page.out_of_range) == (2, 3, True, True, False)
    assert page.as_dict() == {"results": ["a", "b"], "page": 2, "size": 2, "total": 5, "has_next": True}


def test_the_last_page_and_past_it():
    assert Page(["e"], page=3, size=2, total=5).has_next is False
    past = Page([], page=999, size=2, total=5)
    assert (past.out_of_range, past.last, past.has_next) == (True, 3, False)


def test_an_empty_list_has_one_page_in_range():
    page = Page([], page=1, size=20, total=0)
    assert (page.last, page.out_of_range, page.has_next, page.has_previous) == (1, False, False, False)
    assert Page([], page=2, size=20, total=0).out_of_range is True


def test_with_results_keeps_the_position():
    page = Page([1, 2], page=1, size=2, total=3).with_results(["one", "two"])
    assert page.as_dict() == {"results": ["one", "two"], "page": 1, "size": 2, "total": 3, "has_next": True}


def test_bounds_defaults():
    assert page_bounds(None, None) == (1, 20)
    assert page_bounds(None, None, default_size=30) == (1, 30)
    assert page_bounds(1000, 50) == (1000, 50)


@pytest.mark.parametrize(
    ("page", "size", "fields"),
    [
        (0, 20, {"page"}),
        (-1, 20, {"page"}),
        (1001, 20, {"page"}),
        (10**30, 20, {"page"}),
        (1, 0, {"size"}),
        (1, 51, {"size"}),
        (1, 10**30, {"size"}),
        (0, 0, {"page", "size"}),
        (True, 20, {"page"}),
        ("2", 20, {"page"}),
    ],
)
def test_bounds_refuse_with_the_field(page, size, fields):
    with pytest.raises(InvalidInput) as caught:
        page_bounds(page, size)
    assert caught.value.code == "invalid"
    assert set(caught.value.fields) == fields
    assert all(caught.value.fields[name] for name in fields)


@pytest.mark.parametrize(
    ("page", "size", "expected"),
    [
        (None, None, (1, 20)),
        ("", "", (1, 20)),
        ("3", "10", (3, 10)),
        ("abc", "x", (1, 20)),
        ("0", "0", (1, 1)),
        ("-5", "-5", (1, 1)),
        (str(10**30), str(10**30), (1000, 50)),
        ("1.5", None, (1, 20)),
    ],
)
def test_lenient_bounds_always_give_a_usable_page(page, size, expected):
    assert page_bounds_lenient(page, size) == expected


def test_lenient_bounds_with_a_list_default():
    assert page_bounds_lenient("2", None, default_size=30) == (2, 30)
