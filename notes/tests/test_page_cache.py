"""The signed-out home page comes from the page cache (treehole/pagecache.py) and is never wrong:
every write that changes what it shows shows on the next response, each variant (language, theme,
path) is its own page, a visitor never gets another's CSRF token, and a signed-in reader never
gets a cached page."""

import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.test import Client, RequestFactory

from comments.services import comment_create
from notes.services import note_set_hidden, note_update, note_vote
from treehole import pagecache
from treehole.testing import make_note

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def counted_renders(monkeypatch):
    """Fresh page cache; every render of a page into the cache is counted."""
    caches["pages"].clear()
    renders = []
    original = pagecache.render_to_string

    def counting(*args, **kwargs):
        renders.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(pagecache, "render_to_string", counting)
    return renders


def home(client=None, **params) -> str:
    response = (client or Client()).get("/", {"order": "new", **params})
    assert response.status_code == 200
    return response.content.decode()


def built(renders: list, *params: str) -> None:
    """The list's ranking set built (a first read after a flush builds it) and the count reset."""
    for order in params or ("new",):
        Client().get("/", {"order": order})
    renders.clear()


def without_tokens(page: str) -> str:
    return TOKEN.sub("", page)


def approvals_shown(page: str) -> list[int]:
    return [int(count) for count in re.findall(r'<span class="visually-hidden">赞成</span> (\d+)</span>', page)]


def visits_shown(page: str) -> list[int]:
    return [int(count) for count in re.findall(r'<span class="visually-hidden">浏览</span> (\d+)</span>', page)]


def test_a_second_signed_out_reader_gets_the_stored_page_with_their_own_csrf_token(author, categories, counted_renders):
    make_note(author, title="缓存的首页")
    built(counted_renders)
    first_client, second_client = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first, second = home(first_client), home(second_client)
    assert counted_renders == ["notes/home.html"]  # rendered once, served twice
    assert "缓存的首页" in second and without_tokens(first) == without_tokens(second)
    assert pagecache.CSRF_PLACEHOLDER not in first + second
    first_tokens, second_tokens = set(TOKEN.findall(first)), set(TOKEN.findall(second))
    assert len(first_tokens) == 1 and len(second_tokens) == 1  # one token per response, as a plain render
    assert first_tokens != second_tokens
    # Each token works with its own visitor's cookie, and only with it.
    for client, page in ((first_client, first), (second_client, second)):
        token = TOKEN.findall(page)[0]
        answer = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/", "csrfmiddlewaretoken": token})
        assert answer.status_code == 302
    stranger = Client(enforce_csrf_checks=True)
    home(stranger)
    answer = stranger.post("/i18n/setlang/", {"language": "zh-hans", "next": "/", "csrfmiddlewaretoken": TOKEN.findall(first)[0]})
    assert answer.status_code == 403


def test_a_vote_a_post_an_edit_and_a_hide_each_change_the_next_response(author, other, categories, counted_renders):
    note = make_note(author, title="第一篇")
    assert approvals_shown(home()) == [0]
    note_vote(note_id=note.pk, user=other, value=1)
    assert approvals_shown(home()) == [1]
    second = make_note(author, title="第二篇")
    page = home()
    assert "第二篇" in page and approvals_shown(page) == [0, 1]
    note_update(note_id=second.pk, user=author, title="改过的标题")
    page = home()
    assert "改过的标题" in page and "第二篇" not in page
    comment_create(user=other, note_id=note.pk, content="一条评论")
    assert home() != page
    note_set_hidden(note_id=second.pk, hidden=True)
    page = home()
    assert "改过的标题" not in page and "第一篇" in page
    visits = visits_shown(page)
    assert Client().get(f"/notes/{note.pk}/").status_code == 200  # a reader opens it: one visit
    assert visits_shown(home()) == [visits[0] + 1]
    assert len(counted_renders) == 7  # every change was a new page, nothing served stale
    home()
    assert len(counted_renders) == 7  # and the unchanged page was served from the store


def test_language_theme_and_path_are_separate_pages(author, categories, counted_renders):
    make_note(author, title="双语")
    built(counted_renders, "new", "hot")
    chinese = home()
    english = Client().get("/", {"order": "new"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-hans">' in chinese and '<html lang="en">' in english
    dark_client = Client()
    dark_client.cookies["theme"] = "dark"
    assert '<html lang="zh-hans" data-theme="dark">' in home(dark_client)
    hot = Client().get("/", {"order": "hot"}).content.decode()
    assert without_tokens(hot) != without_tokens(chinese)
    assert len(counted_renders) == 4
    assert without_tokens(home()) == without_tokens(chinese) and len(counted_renders) == 4


def test_a_signed_in_reader_never_gets_a_stored_page(author, other, categories, counted_renders):
    make_note(author, title="登录后")
    built(counted_renders)
    home()
    member = Client()
    member.force_login(other)
    page = home(member)
    assert other.username in page
    assert counted_renders == ["notes/home.html"]  # the member's page was rendered, not stored
    assert other.username not in home()


def test_a_pending_message_is_shown_not_swallowed_by_the_cache(author, categories, counted_renders):
    make_note(author, title="消息")
    built(counted_renders)
    home()  # stored
    client = Client()
    client.cookies["messages"] = CookieStorage(RequestFactory().get("/"))._encode([Message(constants.INFO, "你已退出登录。")])
    assert "你已退出登录。" in home(client)
    assert "你已退出登录。" not in home(client)  # shown once, then gone, as without the cache
    assert "你已退出登录。" not in home()
    assert len(counted_renders) == 1  # the page with the message was never stored


def test_the_signed_out_api_list_is_stored_per_digest_and_a_vote_shows_at_once(author, other, categories):
    note = make_note(author, title="接口")
    anonymous = Client()
    first = anonymous.get("/api/v1/notes", {"order": "new"})
    again = anonymous.get("/api/v1/notes", {"order": "new"})
    assert first.content == again.content and again["Content-Type"] == first["Content-Type"]
    assert first.json()["results"][0]["approve"] == 0
    note_vote(note_id=note.pk, user=other, value=1)
    assert anonymous.get("/api/v1/notes", {"order": "new"}).json()["results"][0]["approve"] == 1
    # The voter, signed in, gets their own vote, never the stored signed-out answer.
    from treehole.testing import token_client

    mine = token_client(other).get_json("/api/v1/notes", {"order": "new"}).json()["results"][0]
    assert mine["my_vote"] == 1 and mine["approve"] == 1


def test_a_ballot_and_a_content_warning_show_on_the_next_stored_page(author, other, categories, counted_renders):
    """Issue 17's thread features on the stored page: a poll's voter count (the card's ``poll``
    field changes with each ballot) and a content warning set by an edit."""
    from notes.models import PollOption
    from notes.services import note_create, poll_vote

    note = note_create(author=author, title="投票帖", content="选一个", category="life",
                       poll={"question": "选哪个？", "options": ["甲", "乙"]})
    voters = re.compile(r'<span class="visually-hidden">投票</span> (\d+)</span>')
    assert voters.findall(home()) == ["0"]
    poll_vote(note_id=note.pk, user=other, option_ids=[PollOption.objects.filter(poll_id=note.pk).first().pk])
    assert voters.findall(home()) == ["1"]
    note_update(note_id=note.pk, user=author, content_warning="剧透")
    assert "内容提醒：剧透（点击展开）" in home()


def test_a_poll_closing_by_the_clock_is_a_new_stored_page_and_answer(author, other, categories, counted_renders):
    """No write happens when a poll closes, yet its results then show: whether each poll on the
    page is closed now is part of the page's key (notes/selectors.py note_list_digest)."""
    from datetime import timedelta

    from notes.models import PollOption
    from notes.services import note_create, poll_vote
    from treehole import clock

    closes = (clock.now() + timedelta(hours=1)).replace(microsecond=0)
    note = note_create(author=author, title="限时投票", content="一小时内", category="life",
                       poll={"question": "选哪个？", "options": ["甲", "乙"], "closes_at": closes})
    poll_vote(note_id=note.pk, user=other, option_ids=[PollOption.objects.filter(poll_id=note.pk).first().pk])
    built(counted_renders)
    api = Client()
    open_page, open_answer = home(), api.get("/api/v1/notes", {"order": "new"}).json()
    assert open_answer["results"][0]["poll"]["closed"] is False
    assert open_answer["results"][0]["poll"]["options"][0]["votes"] is None  # hidden until it closes
    renders = len(counted_renders)
    assert without_tokens(home()) == without_tokens(open_page) and len(counted_renders) == renders  # stored
    with clock.frozen(closes + timedelta(seconds=1)):
        closed_answer = api.get("/api/v1/notes", {"order": "new"}).json()
        closed_page = home()
    assert closed_answer["results"][0]["poll"]["closed"] is True
    assert closed_answer["results"][0]["poll"]["options"][0]["votes"] == 1
    assert len(counted_renders) == renders + 1 and without_tokens(closed_page) != without_tokens(open_page)
