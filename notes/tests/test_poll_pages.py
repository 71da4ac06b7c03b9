"""Polls on the pages: made on the compose page, voted on the note page without JavaScript."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from notes.models import Note, Poll, PollOption
from notes.services import note_create, poll_vote
from treehole import clock
from treehole.testing import make_user

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def compose(client, **poll):
    data = {"title": "食堂投票", "content": "今天吃什么", "category": "life", "anonymous": "on"}
    data.update({f"poll-{name}": value for name, value in poll.items()})
    return client.post("/notes/new/", data)


def test_the_compose_page_makes_a_note_with_a_poll(author, categories):
    client = signed_in(author)
    page = client.get("/notes/new/").content.decode()
    assert "添加投票（可选）" in page and 'name="poll-options"' in page
    response = compose(client, question="吃哪个？", options="面条\n\n米饭 \n饺子", multiple="on", duration="3")
    assert response.status_code == 302
    poll = Poll.objects.get()
    assert (poll.question, poll.multiple) == ("吃哪个？", True)
    assert list(PollOption.objects.order_by("position").values_list("text", flat=True)) == ["面条", "米饭", "饺子"]
    assert timedelta(days=3) - timedelta(minutes=1) < poll.closes_at - clock.now() <= timedelta(days=3)
    # Left empty, the note has no poll.
    assert compose(client).status_code == 302 and Poll.objects.count() == 1 and Note.objects.count() == 2


def test_a_bad_poll_on_the_compose_page_is_shown_on_its_field(author, categories):
    response = compose(signed_in(author), question="吃哪个？", options="只有一个")
    assert response.status_code == 400
    html = response.content.decode()
    assert "投票需要 2 到 10 个选项。" in html and not Note.objects.exists()
    assert "<details class=\"compose-poll field\" open>" in html  # kept open with what was typed
    response = compose(signed_in(author), options="甲\n乙")
    assert response.status_code == 400 and "不能为空" in response.content.decode()


def test_the_note_page_votes_without_javascript_and_shows_results_after(author, other, categories):
    note = note_create(author=author, title="周末", content="去哪", category="life",
                       poll={"question": "周末去哪？", "options": ["爬山", "看电影"]})
    first, second = PollOption.objects.filter(poll_id=note.pk).order_by("position")
    reader = signed_in(other)
    html = reader.get(f"/notes/{note.pk}/").content.decode()
    assert "周末去哪？" in html and 'type="radio" name="option"' in html and "投票后可以看到结果。" in html
    assert "<meter" not in html
    response = reader.post(f"/notes/{note.pk}/poll/", {"option": str(first.pk)})
    assert response.status_code == 302 and response["Location"] == f"/notes/{note.pk}/#poll"
    html = reader.get(f"/notes/{note.pk}/").content.decode()
    assert "投票成功。" in html and "<meter" in html and "1 票 · 100%" in html and "我的选择" in html
    assert re.search(rf'value="{first.pk}" checked', html)
    # Change the vote, then withdraw it.
    reader.post(f"/notes/{note.pk}/poll/", {"option": str(second.pk)})
    assert list(PollOption.objects.filter(poll_id=note.pk).order_by("position").values_list("votes", flat=True)) == [0, 1]
    reader.post(f"/notes/{note.pk}/poll/", {"withdraw": "1"})
    assert Poll.objects.get(pk=note.pk).total_voters == 0
    # Nothing chosen: told so, nothing changes.
    html = reader.post(f"/notes/{note.pk}/poll/", {}, follow=True).content.decode()
    assert "请先选一个选项。" in html
    # Signed out: the options and a way to sign in; never the counts before it closes.
    poll_vote(note_id=note.pk, user=make_user(), option_ids=[first.pk])
    html = Client().get(f"/notes/{note.pk}/").content.decode()
    assert "后参与投票" in html and "<meter" not in html and "1 人已投票" in html
    assert Client().post(f"/notes/{note.pk}/poll/", {"option": str(first.pk)}).status_code == 302  # to the login page
    assert Poll.objects.get(pk=note.pk).total_voters == 1


def test_a_closed_poll_shows_results_and_no_form(author, other, categories):
    closes = clock.now() + timedelta(hours=1)
    note = note_create(author=author, title="截止", content="投票", category="life",
                       poll={"question": "要不要？", "options": ["要", "不要"], "closes_at": closes})
    first = PollOption.objects.filter(poll_id=note.pk).order_by("position").first()
    poll_vote(note_id=note.pk, user=other, option_ids=[first.pk])
    with clock.frozen(closes + timedelta(minutes=1)):
        html = Client().get(f"/notes/{note.pk}/").content.decode()
        assert "投票已截止" in html and "<meter" in html and 'name="option"' not in html
        response = signed_in(make_user()).post(f"/notes/{note.pk}/poll/", {"option": str(first.pk)}, follow=True)
        assert "投票已经截止了。" in response.content.decode()
    assert Poll.objects.get(pk=note.pk).total_voters == 1
