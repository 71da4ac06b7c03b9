"""The main journeys with Redis stopped under a running site, then restarted empty (docs/resilience.md).

The test starts its own ``redis-server`` (spare port, no persistence), warms every cache, kills the
server (SIGKILL), and walks the site — pages, API and admin: nothing answers 500, reads come from
MariaDB, writes commit. Then Redis comes back empty on the same port: nothing written during the
outage is lost, and the rankings are right at once (hot/new order equals the database's).
"""

from __future__ import annotations

import pytest
from captcha.models import CaptchaStore
from django.test import Client

from comments.models import Comment
from notes.models import Note
from notes.services import note_vote
from treehole import effects
from treehole import redis as treehole_redis
from treehole.models import RedisRepair
from treehole.testing.lists import database_order, walk
from treehole.testing import DEFAULT_PASSWORD, ApiClient, assert_error, make_note, make_user, token_client

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def solved_captcha(client) -> dict:
    captcha = client.get_json("/api/v1/auth/captcha").json()
    return {"captcha_key": captcha["key"], "captcha_value": CaptchaStore.objects.get(hashkey=captcha["key"]).response}


def test_the_site_rides_out_a_redis_outage_and_comes_back_right(own_redis, categories, author, other):
    staff = make_user(is_staff=True, is_superuser=True)
    notes = [make_note(author, category="study" if i % 2 else "life", title=f"树洞 {i}") for i in range(7)]
    first = notes[0]
    api, reader = ApiClient(), token_client(other)
    assert reader.post_json(f"/api/v1/notes/{first.pk}/comments", {"content": "停机之前的评论"}).status_code == 201
    note_vote(note_id=notes[1].pk, user=other, value=1)
    # Warm every cache: the rankings, cards, the comment thread, the category list.
    assert walk(api, "hot") == database_order("hot") and walk(api, "new") == database_order("new")
    assert api.get_json(f"/api/v1/notes/{first.pk}").status_code == 200
    assert api.get_json(f"/api/v1/notes/{first.pk}/comments").json()["total"] == 1

    own_redis.kill()  # -------------------------------------------------------------- Redis is gone

    # Pages.
    page_client = signed_in(author)
    home = page_client.get("/")
    assert home.status_code == 200 and "树洞 6" in home.content.decode()
    note_page = page_client.get(f"/notes/{first.pk}/")
    assert note_page.status_code == 200 and "停机之前的评论" in note_page.content.decode()
    assert page_client.get("/notes/new/").status_code == 200
    posted = page_client.post("/notes/new/", {"title": "停机时发的帖", "content": "数据库照样收下", "category": "study",
                                              "anonymous": "on"})
    during_page = Note.objects.get(title="停机时发的帖")
    assert posted.status_code == 302 and posted["Location"] == f"/notes/{during_page.pk}/"
    assert page_client.get(posted["Location"]).status_code == 200
    commented = page_client.post(f"/notes/{first.pk}/comments/", {"content": "停机时的页面评论"})
    assert commented.status_code == 302
    assert "停机时的页面评论" in page_client.get(f"/notes/{first.pk}/").content.decode()
    assert page_client.get("/notes/search/", {"q": "树洞"}).status_code == 200
    assert page_client.get("/accounts/me/").status_code == 200
    assert page_client.get("/me/notes/").status_code == 200
    assert page_client.get("/me/comments/").status_code == 200
    assert page_client.get("/chat/").status_code == 200
    assert Client().get("/accounts/login/").status_code == 200

    # API reads: from the database, in the database's order.
    assert walk(api, "hot") == database_order("hot")
    assert walk(api, "new") == database_order("new")
    assert walk(api, "hot", category="study") == database_order("hot", "study")
    assert {c["slug"] for c in api.get_json("/api/v1/categories").json()} == set(categories)
    detail = api.get_json(f"/api/v1/notes/{notes[1].pk}")
    assert detail.status_code == 200 and detail.json()["approve"] == 1
    assert reader.get_json(f"/api/v1/notes/{notes[1].pk}").json()["my_vote"] == 1
    assert api.get_json("/api/v1/notes/search", {"q": "树洞 3"}).json()["results"][0]["id"] == str(notes[3].pk)
    thread = api.get_json(f"/api/v1/notes/{first.pk}/comments").json()
    assert [c["content"] for c in thread["results"]] == ["停机之前的评论", "停机时的页面评论"]

    # API writes: committed to the database.
    created = reader.post_json("/api/v1/notes", {"title": "停机时的接口帖", "content": "内容", "category": "life"})
    assert created.status_code == 201
    during_api = created.json()["id"]
    voted = reader.put_json(f"/api/v1/notes/{notes[2].pk}/vote", {"value": 1})
    assert voted.status_code == 200 and voted.json()["approve"] == 1 and voted.json()["my_vote"] == 1
    comment = reader.post_json(f"/api/v1/notes/{first.pk}/comments", {"content": "停机时的接口评论"})
    assert comment.status_code == 201 and comment.json()["floor"] == 3
    assert reader.delete_json(f"/api/v1/comments/{thread['results'][0]['id']}").status_code == 204

    # Accounts: login behind the captcha, refresh, me; e-mail codes refuse with 503.
    login = {"login": other.username, "password": DEFAULT_PASSWORD}
    assert_error(api.post_json("/api/v1/auth/login", login), 400, "captcha_required")
    tokens = api.post_json("/api/v1/auth/login", {**login, **solved_captcha(api)})
    assert tokens.status_code == 200
    refreshed = api.post_json("/api/v1/auth/refresh", {"refresh": tokens.json()["refresh"]})
    assert refreshed.status_code == 200
    me = ApiClient(token=refreshed.json()["access"]).get_json("/api/v1/me")
    assert me.status_code == 200 and me.json()["username"] == other.username
    assert_error(api.post_json("/api/v1/auth/email-code", {"email": "new@example.com", "purpose": "register"}),
                 503, "unavailable")

    # Chat over HTTP: history from the database; who is online lives only in Redis (503).
    assert reader.get_json("/api/v1/chat/messages").status_code == 200
    assert_error(reader.get_json("/api/v1/chat/online"), 503, "unavailable")
    assert api.get("/healthz").status_code == 503

    # The admin: lists, change pages, the moderation queue, an action through the services.
    admin = signed_in(staff)
    for path in ("/admin/notes/note/", f"/admin/notes/note/{first.pk}/change/", "/admin/comments/comment/",
                 f"/admin/comments/comment/{Comment.objects.first().pk}/change/", "/admin/moderation/case/",
                 "/admin/chat/chatmessage/", "/admin/accounts/user/"):
        assert admin.get(path).status_code == 200, path
    hidden = admin.post("/admin/notes/note/", {"action": "hide", "_selected_action": [str(notes[6].pk)]})
    assert hidden.status_code == 302
    assert Note.objects.get(pk=notes[6].pk).hidden

    # Every failed side effect is recorded, to be redone from the database.
    assert RedisRepair.objects.count() > 0

    own_redis.restart_empty()  # ------------------------------------------- back, and empty
    treehole_redis.reset_breakers()  # as if the breaker's pause had passed

    # At once, before any repair ran: the rankings are the database's, with every outage write.
    hot, new = walk(api, "hot"), walk(api, "new")
    assert hot == database_order("hot") and new == database_order("new")
    assert {str(during_page.pk), during_api} <= set(new)
    assert str(notes[6].pk) not in new  # hidden during the outage
    assert walk(api, "new", category="study") == database_order("new", "study")
    assert api.get_json(f"/api/v1/notes/{notes[2].pk}").json()["approve"] == 1
    assert reader.get_json(f"/api/v1/notes/{notes[2].pk}").json()["my_vote"] == 1
    assert api.get_json(f"/api/v1/notes/{first.pk}").json()["comment_count"] == 2
    thread = api.get_json(f"/api/v1/notes/{first.pk}/comments").json()
    assert [c["content"] for c in thread["results"]] == ["", "停机时的页面评论", "停机时的接口评论"]
    assert thread["results"][0]["deleted"] is True
    # Login counts failures again: no captcha for a fresh pair.
    assert api.post_json("/api/v1/auth/login", login).status_code == 200

    # The recorded repairs run cleanly now, and change nothing that is already right.
    pending = RedisRepair.objects.count()
    assert effects.repairs_run() == pending
    assert RedisRepair.objects.count() == 0
    assert walk(api, "hot") == database_order("hot") and walk(api, "new") == database_order("new")


@pytest.mark.urls("tests.outage.urls")
def test_a_path_left_without_a_fallback_answers_503_not_500(own_redis):
    """The net under every path: a Redis error that nothing caught becomes the contract's 503."""
    own_redis.kill()
    page = Client().get("/needs-redis/")
    assert page.status_code == 503 and "服务暂时不可用" in page.content.decode()
    assert_error(Client().get("/api/v1/needs-redis/"), 503, "unavailable")
