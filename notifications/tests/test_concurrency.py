"""Real threads against real MariaDB: 20 people comment on one followed note at once, each
comment's fan-out runs in its own thread after its commit (as 20 worker threads would)."""

from __future__ import annotations

import pytest

from comments.services import comment_create
from notifications.models import Notification
from treehole.testing import make_note, make_user
from treehole.testing.threads import run_threads

COMMENTERS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_comments_at_once_fold_into_one_notification_of_count_twenty(categories, fast_hasher, generous_limits):
    author = make_user()
    note = make_note(author)
    users = [make_user() for _ in range(COMMENTERS)]

    def comment(index, barrier):
        barrier.wait()
        comment_create(user=users[index], note_id=note.pk, content=f"第 {index} 个")

    errors = run_threads(COMMENTERS, comment)
    assert not errors, errors
    [row] = Notification.objects.filter(user=author)
    assert (row.kind, row.count, row.read_at, row.fold_key) == ("comment", COMMENTERS, None, f"n{note.pk}")
    # Each commenter follows from their first comment and hears of the others' later comments only:
    # nobody is told of their own, and nobody gets two unread rows for this note.
    for user in users:
        rows = list(Notification.objects.filter(user=user))
        assert len(rows) <= 1 and all(r.count < COMMENTERS for r in rows)
