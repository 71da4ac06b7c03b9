"""Exact SQL counts: a warm unread count costs none, the list a constant few whatever its size."""

from __future__ import annotations

import pytest

from comments.services import comment_create
from notifications import cache
from treehole.testing import make_note, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(author):
    notes = [make_note(author) for _ in range(12)]
    for item in notes:
        comment_create(user=make_user(), note_id=item.pk, content="抱抱")
    return notes


def test_warm_unread_count_is_zero_sql(author_client, busy, django_assert_num_queries):
    with django_assert_num_queries(2):  # cold: the user (token check, then cached) and one COUNT
        assert author_client.get_json("/api/v1/notifications/unread-count").json() == {"count": 12}
    for _ in range(3):
        with django_assert_num_queries(0):
            assert author_client.get_json("/api/v1/notifications/unread-count").json() == {"count": 12}


def test_a_change_invalidates_the_cached_count(author, author_client, busy, django_assert_num_queries):
    author_client.get_json("/api/v1/notifications/unread-count")
    comment_create(user=make_user(), note_id=make_note(author).pk, content="新的")
    with django_assert_num_queries(1):  # one COUNT refills it
        assert author_client.get_json("/api/v1/notifications/unread-count").json() == {"count": 13}
    author_client.post_json("/api/v1/notifications/read", {"all": True})
    assert author_client.get_json("/api/v1/notifications/unread-count").json() == {"count": 0}


@pytest.mark.parametrize("size", [1, 5, 12])
def test_the_list_is_three_queries_whatever_its_size(author_client, busy, size, django_assert_num_queries):
    with django_assert_num_queries(3):  # the user, the COUNT, the page (note and comment joined)
        response = author_client.get_json("/api/v1/notifications", {"size": size})
    assert len(response.json()["results"]) == size


def test_rebuild_refills_every_unread_count(author, busy):
    from io import StringIO

    from django.core.management import call_command

    from treehole.redis import get_redis

    get_redis().flushdb()
    call_command("rebuild_redis", stdout=StringIO())
    assert get_redis().get(cache.unread_key(author.pk)) == "12"
