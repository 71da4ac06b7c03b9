"""``?page=999`` and ``?category=bad`` get friendly answers, not "第 999 / 1 页" or a bare 404."""

from __future__ import annotations

import pytest
from django.test import Client

from treehole.testing import make_note as create_note
from treehole.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _categories(categories):
    return categories


def test_a_page_past_the_end_says_so_and_links_to_the_last_page(author):
    create_note(author)
    response = Client().get("/?order=new&page=999")
    html = response.content.decode()
    assert response.status_code == 404
    assert "第 999 / 1 页" not in html and "这里还没有帖子" not in html
    assert "没有第 999 页" in html
    assert 'href="?order=new&amp;page=1"' in html and "去最后一页（第 1 页）" in html


def test_the_last_page_itself_is_fine(author):
    create_note(author)
    response = Client().get("/?order=new&page=1")
    assert response.status_code == 200 and "没有第" not in response.content.decode()


def test_my_notes_my_comments_and_my_reports_past_the_end(author):
    client = Client()
    client.force_login(author)
    create_note(author)
    for path in ("/me/notes/", "/me/comments/", "/reports/mine/"):
        response = client.get(path, {"page": 50})
        assert response.status_code == 404, path
        assert "没有第 50 页" in response.content.decode(), path


def test_comment_page_past_the_end_on_a_note(author):
    note = create_note(author)
    html = Client().get(f"/notes/{note.pk}/?cpage=9").content.decode()
    assert "没有第 9 页评论，一共只有 1 页。" in html and 'href="?cpage=1#comments"' in html


def test_an_unknown_category_lists_the_categories_there_are():
    response = Client().get("/?category=bad")
    html = response.content.decode()
    assert response.status_code == 404
    assert "没有这个分类" in html and "“bad”不是树洞的分类" in html
    assert 'href="/?category=emotion"' in html and "情感" in html and "学业" in html


def test_unknown_category_in_english():
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get("/?category=bad").content.decode()
    assert "No such category" in html
