"""The purge job (NOTIFICATIONS_RETENTION_DAYS, default 90) and the read-only admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from comments.services import comment_create
from notifications.models import Notification
from notifications.services import notifications_purge
from treehole import clock
from treehole.testing import make_note, make_user

pytestmark = pytest.mark.django_db


def test_old_notifications_are_purged_and_the_count_follows(author, author_client, note, settings):
    assert settings.NOTIFICATIONS_RETENTION_DAYS == 90
    comment_create(user=make_user(), note_id=note.pk, content="旧的")
    comment_create(user=make_user(), note_id=make_note(author).pk, content="新的")
    assert author_client.get_json("/api/v1/notifications/unread-count").json() == {"count": 2}
    old = Notification.objects.order_by("id").first()
    Notification.objects.filter(pk=old.pk).update(updated_at=clock.now() - timedelta(days=91))
    assert notifications_purge() == 1
    assert list(Notification.objects.values_list("pk", flat=True)) != [old.pk]
    assert Notification.objects.count() == 1
    assert author_client.get_json("/api/v1/notifications/unread-count").json() == {"count": 1}
    settings.NOTIFICATIONS_RETENTION_DAYS = 0
    assert notifications_purge() == 1


def test_the_admin_shows_notifications_read_only_and_never_the_recipient(author, note, staff):
    alice = make_user("alice_admin")
    comment_create(user=alice, note_id=note.pk, content="给洞主")
    row = Notification.objects.get()
    client = Client()
    client.force_login(staff)
    listing = client.get("/admin/notifications/notification/")
    assert listing.status_code == 200
    page = client.get(f"/admin/notifications/notification/{row.pk}/change/")
    assert page.status_code == 200 and "给洞主".encode() in page.content
    for raw in (listing.content, page.content):
        assert author.username.encode() not in raw and b"alice_admin" not in raw
    assert client.post(f"/admin/notifications/notification/{row.pk}/change/", {"count": 5}).status_code == 403
    assert client.get("/admin/notifications/notification/add/").status_code == 403
    assert client.get(f"/admin/notifications/notification/{row.pk}/delete/").status_code == 403
    assert client.get(f"/admin/notifications/notification/?user__id__exact={author.pk}").status_code in (400, 302)
    Notification.objects.filter(pk=row.pk).update(count=1)
    assert Notification.objects.get().count == 1
