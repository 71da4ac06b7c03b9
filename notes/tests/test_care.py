"""The care card where people write: a crisis phrase in a note or a search shows the
writer the card (nothing is blocked) and puts the item first in the moderators' queue."""

from __future__ import annotations

import pytest
from django.test import Client

from moderation.models import Case
from treehole.testing import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "shipped_care")]


def test_a_crisis_note_shows_the_card_and_is_first_in_the_queue(generous_limits):
    from notes.services import note_create

    writer = make_user()
    note = note_create(author=writer, title="再见", content="想自杀，不想活了", category="emotion")
    client = Client()
    client.force_login(writer)
    html = client.get(f"/notes/{note.pk}/").content.decode()
    assert 'class="care-card"' in html and "你并不孤单" in html
    first = Case.objects.filter(status="open").first()
    assert (first.target_type, first.target_id, first.priority) == ("note", note.pk, Case.PRIORITY_CARE)


def test_a_search_for_a_crisis_phrase_shows_the_card_above_the_results():
    html = Client().get("/notes/search/", {"q": "怎么自杀"}).content.decode()
    assert 'class="care-card"' in html and "400-161-9995" in html
    assert 'class="care-card"' not in Client().get("/notes/search/", {"q": "考试"}).content.decode()
