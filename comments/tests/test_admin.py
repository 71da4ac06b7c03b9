"""The comment admin edits through the services: the word filter screens the new text, and the
cached thread shows what the row says once the edit committed."""

from __future__ import annotations

import pytest
from django.test import Client

from comments.models import Comment
from comments.tests.test_comments import new_note, post_comment, thread
from moderation import filters
from moderation.models import Case, SensitiveWord
from treehole.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def words():
    SensitiveWord.objects.create(pattern="禁词", action="block")
    SensitiveWord.objects.create(pattern="遮词", action="mask")
    SensitiveWord.objects.create(pattern="审词", action="hold")
    filters.matcher.invalidate()


def _edit(comment_id: int, content: str, **flags):
    admin = Client()
    admin.force_login(make_user(is_staff=True, is_superuser=True))
    form = {"content": content, **{name: "on" for name, value in flags.items() if value}}
    return admin.post(f"/admin/comments/comment/{comment_id}/change/", form)


def test_an_edit_reaches_the_cached_thread(words):
    note = new_note(make_user("ca_op"))
    comment_id = int(post_comment(make_user("ca_w"), note, "原来的话").json()["id"])
    assert thread(note)["results"][0]["content"] == "原来的话"  # the thread is cached now
    assert _edit(comment_id, "改过的话").status_code == 302
    assert Comment.objects.get(pk=comment_id).content == "改过的话"
    assert thread(note)["results"][0]["content"] == "改过的话"


def test_a_blocked_word_refuses_the_edit(words):
    note = new_note(make_user("cb_op"))
    comment_id = int(post_comment(make_user("cb_w"), note, "原来的话").json()["id"])
    response = _edit(comment_id, "这里有禁词")
    assert response.status_code == 200
    assert "禁词" in response.context["adminform"].form.errors["content"][0]
    assert Comment.objects.get(pk=comment_id).content == "原来的话"
    assert thread(note)["results"][0]["content"] == "原来的话"


def test_a_masked_word_is_masked_and_a_hold_word_holds_with_a_case(words):
    note = new_note(make_user("cm_op"))
    writer, reader = make_user("cm_w"), make_user("cm_r")
    comment_id = int(post_comment(writer, note, "原来的话").json()["id"])
    assert _edit(comment_id, "有遮词的话").status_code == 302
    assert Comment.objects.get(pk=comment_id).content == "有**的话"
    assert thread(note)["results"][0]["content"] == "有**的话"

    assert _edit(comment_id, "有审词的话").status_code == 302
    row = Comment.objects.get(pk=comment_id)
    assert (row.content, row.held) == ("有审词的话", True)
    assert thread(note, viewer=reader)["results"][0]["content"] == ""
    assert list(Case.objects.filter(target_type="comment", target_id=comment_id).values_list("held", flat=True)) == [True]
