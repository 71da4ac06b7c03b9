"""The care card where people write: a crisis phrase in a comment shows the
writer the card (nothing is blocked) and puts the item first in the moderators' queue."""

from __future__ import annotations

import pytest
from django.test import Client

from moderation.models import Case
from treehole.testing import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "shipped_care")]


def test_a_crisis_comment_shows_its_writer_the_card_and_leads_the_queue(generous_limits):
    from comments.services import comment_create
    from notes.services import note_create

    writer, reader = make_user(), make_user()
    note = note_create(author=reader, title="夜里", content="睡不着", category="emotion")
    comment = comment_create(user=writer, note_id=note.pk, content="我也是，真的活不下去了")
    client = Client()
    client.force_login(writer)
    html = client.get(f"/notes/{note.pk}/").content.decode()
    assert 'class="care-card"' in html and "12356" in html[html.index('class="care-card"'):]
    other = Client()
    other.force_login(reader)
    assert 'class="care-card"' not in other.get(f"/notes/{note.pk}/").content.decode()
    first = Case.objects.filter(status="open").first()
    assert (first.target_type, first.target_id, first.priority) == ("comment", comment.pk, Case.PRIORITY_CARE)
