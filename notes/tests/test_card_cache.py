"""List cards are rendered once per distinct content (notes/templatetags/note_cards.py): a change
of anything a card shows is visible at once, and one viewer's card never leaks to another."""

import re

import pytest
from django.test import Client

from notes.services import note_vote
from treehole.testing import make_note

pytestmark = pytest.mark.django_db


def home_html(user=None, **params):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get("/", {"order": "new", **params}).content.decode()


def approvals_shown(page: str) -> list[int]:
    """The approve counts the cards show, top to bottom (the label is visually hidden text)."""
    return [int(count) for count in re.findall(r'<span class="visually-hidden">赞成</span> (\d+)</span>', page)]


def test_a_vote_shows_at_once_despite_the_card_cache(author, other, categories):
    make_note(author, title="缓存里的卡片")
    assert approvals_shown(home_html()) == [0]
    note = make_note(author, title="另一张卡片")
    note_vote(note_id=note.pk, user=other, value=1)
    assert approvals_shown(home_html()) == [1, 0]


def test_cards_are_not_shared_between_viewers(author, other, categories):
    make_note(author, title="只属于作者的标记", anonymous=True)
    assert "洞主 · 我" in home_html(author)
    assert "洞主 · 我" not in home_html(other)
    assert "洞主 · 我" not in home_html()


def test_the_language_is_part_of_the_card(author, categories):
    make_note(author, title="双语")
    chinese = home_html()
    english = Client().get("/", {"order": "new"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'title="赞成"' in chinese
    assert "双语" in english and 'title="赞成"' not in english
