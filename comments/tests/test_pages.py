"""The thread on the note page, its forms and "my comments"."""

import re

import pytest
from django.test import Client

from comments.models import Comment
from notes.services import note_create
from treehole.testing import make_user

pytestmark = pytest.mark.django_db


def page_client(user=None):
    client = Client(enforce_csrf_checks=True)
    if user:
        client.force_login(user)
    return client


def csrf(client, path):
    page = client.get(path)
    assert page.status_code == 200
    return page, re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1).decode()


def test_comment_reply_and_delete_through_the_note_page():
    op, other = make_user("page_op"), make_user("page_other")
    note = note_create(author=op, title="一个人的夜晚", content="睡不着。", category="emotion")
    path = f"/notes/{note.pk}/"
    client = page_client(other)
    page, token = csrf(client, path)
    assert 'id="comment-form"' in page.content.decode()
    response = client.post(f"/notes/{note.pk}/comments/", {"content": "我也是", "next": path, "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"].endswith("#floor-1")
    first = Comment.objects.get(note=note)
    # Reply to floor 1 from the page's "回复" link: the form carries the target.
    op_client = page_client(op)
    page, token = csrf(op_client, f"{path}?reply_to={first.pk}")
    html = page.content.decode()
    assert "回复 #1 Alice" in html and f'value="{first.pk}"' in html
    op_client.post(
        f"/notes/{note.pk}/comments/", {"content": "谢谢你", "reply_to": str(first.pk), "next": path, "csrfmiddlewaretoken": token}
    )
    html = page_client().get(path).content.decode()
    assert "洞主" in html and "Alice" in html and "谢谢你" in html
    assert 'href="?cpage=1#floor-1"' in html  # the reply links to its floor
    # The note's author deletes floor 1 (asked first): it stays, shown as deleted.
    page, token = csrf(op_client, path)
    assert f'data-confirm="确定删除第 1 楼的评论吗？"' in page.content.decode()
    response = op_client.post(f"/comments/{first.pk}/delete/", {"next": path, "csrfmiddlewaretoken": token, "confirmed": "1"})
    assert response.status_code == 302
    html = page_client().get(path).content.decode()
    assert "该评论已删除" in html and 'id="floor-1"' in html and "我也是" not in html


def test_bad_comment_on_the_page_shows_a_message_and_changes_nothing():
    op = make_user("bad_op")
    note = note_create(author=op, title="标题", content="内容", category="life")
    client = page_client(op)
    _page, token = csrf(client, f"/notes/{note.pk}/")
    response = client.post(f"/notes/{note.pk}/comments/", {"content": "   ", "csrfmiddlewaretoken": token}, follow=True)
    assert "评论不能为空" in response.content.decode()
    assert not Comment.objects.exists()


def test_signed_out_readers_see_the_thread_but_no_form():
    op = make_user("ro_op")
    note = note_create(author=op, title="标题", content="内容", category="life")
    html = Client().get(f"/notes/{note.pk}/").content.decode()
    assert 'id="comments"' in html and 'id="comment-form"' not in html
    assert Client().post(f"/notes/{note.pk}/comments/", {"content": "x"}).status_code in (302, 403)
    assert not Comment.objects.exists()


def test_other_users_cannot_delete_and_see_no_delete_button():
    op, a, b = make_user("nd_op"), make_user("nd_a"), make_user("nd_b")
    note = note_create(author=op, title="标题", content="内容", category="life")
    client = page_client(a)
    _page, token = csrf(client, f"/notes/{note.pk}/")
    client.post(f"/notes/{note.pk}/comments/", {"content": "a 的评论", "csrfmiddlewaretoken": token})
    comment = Comment.objects.get()
    b_client = page_client(b)
    page, token = csrf(b_client, f"/notes/{note.pk}/")
    assert f"/comments/{comment.pk}/delete/" not in page.content.decode()
    b_client.post(f"/comments/{comment.pk}/delete/", {"csrfmiddlewaretoken": token, "confirmed": "1"})
    assert not Comment.objects.get().deleted


def test_deleting_a_comment_asks_first_even_without_javascript():
    op, author = make_user("cf_op"), make_user("cf_author")
    note = note_create(author=op, title="标题", content="内容", category="life")
    client = page_client(author)
    _page, token = csrf(client, f"/notes/{note.pk}/")
    client.post(f"/notes/{note.pk}/comments/", {"content": "不想留下的话", "csrfmiddlewaretoken": token})
    comment = Comment.objects.get()
    back = f"/notes/{note.pk}/?cpage=1"
    asked = client.post(f"/comments/{comment.pk}/delete/", {"next": back, "csrfmiddlewaretoken": token})
    html = asked.content.decode()
    assert asked.status_code == 200 and "确定删除第 1 楼的评论吗？" in html
    assert 'name="confirmed" value="1"' in html and f'href="{back}"' in html  # 删除, or 取消 back to the thread
    assert "不想留下的话" not in html  # the page names the floor only
    assert not Comment.objects.get().deleted
    done = client.post(f"/comments/{comment.pk}/delete/", {"next": back, "csrfmiddlewaretoken": token, "confirmed": "1"})
    assert done.status_code == 302 and done["Location"] == f"{back}#floor-1"
    assert Comment.objects.get().deleted


def test_my_comments_page():
    op, me = make_user("mc_op"), make_user("mc_me")
    note = note_create(author=op, title="我的评论所在的帖子", content="内容", category="life")
    client = page_client(me)
    _page, token = csrf(client, f"/notes/{note.pk}/")
    client.post(f"/notes/{note.pk}/comments/", {"content": "留下一句话", "csrfmiddlewaretoken": token})
    html = client.get("/me/comments/").content.decode()
    assert "我的评论所在的帖子" in html and "留下一句话" in html and "#1" in html
    assert Client().get("/me/comments/").status_code == 302
