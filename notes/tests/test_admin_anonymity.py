"""Issue 14 item 15: the admin shows no author of anonymous content — not in the note and comment
lists, their change forms, searches, URL filters, the audit log, the ban history or a user's
delete confirmation. The author is revealed one item at a time through moderation's audited
author page, and every look is an audit entry."""

from __future__ import annotations

import pytest
from django.test import Client

from comments.services import comment_create
from moderation.models import AuditLog
from moderation.services import author_reveal, user_ban
from treehole.testing import make_note
from treehole.testing import make_user

pytestmark = pytest.mark.django_db

SECRET = "hiddenwriter"  # the anonymous author: this name must never appear unaudited
PUBLIC = "openwriter"


@pytest.fixture
def writers(categories):
    hidden, public = make_user(SECRET), make_user(PUBLIC)
    anonymous_note = make_note(hidden, anonymous=True, title="匿名的帖子")
    signed_note = make_note(public, anonymous=False, title="署名的帖子")
    comment_create(user=hidden, note_id=signed_note.pk, content="署名帖下的评论")
    anonymous_comment = comment_create(user=hidden, note_id=anonymous_note.pk, content="匿名帖下的评论")
    return hidden, anonymous_note, signed_note, anonymous_comment


@pytest.fixture
def staff(db):
    staff = make_user("moderator1", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    return staff, client


def _page(client, url, **params):
    response = client.get(url, params)
    return response.status_code, response.content.decode()


def test_note_list_and_change_form_show_no_anonymous_author(writers, staff):
    hidden, anonymous_note, signed_note, _comment = writers
    _staff, client = staff
    status, html = _page(client, "/admin/notes/note/")
    assert status == 200
    assert "匿名的帖子" in html and "署名的帖子" in html
    assert SECRET not in html
    assert PUBLIC in html  # a signed note's author is public anyway
    assert f"/admin/moderation/case/author/note/{anonymous_note.pk}/" in html
    status, html = _page(client, f"/admin/notes/note/{anonymous_note.pk}/change/")
    assert status == 200 and "匿名的帖子" in html
    assert SECRET not in html
    assert AuditLog.objects.filter(action=AuditLog.Action.REVEAL_AUTHOR).count() == 0


def test_searching_or_filtering_notes_by_author_finds_nothing(writers, staff):
    hidden, _anonymous_note, _signed_note, _comment = writers
    _staff, client = staff
    status, html = _page(client, "/admin/notes/note/", q=SECRET)
    assert status == 200 and "匿名的帖子" not in html
    for lookup in ("author", "author__id__exact", "author_id", "author__username", "author__username__startswith"):
        value = SECRET if "username" in lookup else str(hidden.pk)
        status, html = _page(client, "/admin/notes/note/", **{lookup: value})
        assert status == 400, lookup
        assert "匿名的帖子" not in html


def test_comment_list_and_change_form_show_no_anonymous_author(writers, staff):
    hidden, _anonymous_note, _signed_note, anonymous_comment = writers
    _staff, client = staff
    status, html = _page(client, "/admin/comments/comment/")
    assert status == 200 and "匿名帖下的评论" in html
    # The same member commented under the signed note too: that row names them, the
    # anonymous one only links to the audited page.
    assert html.count(SECRET) == 1
    assert f"/admin/moderation/case/author/comment/{anonymous_comment.pk}/" in html
    status, html = _page(client, f"/admin/comments/comment/{anonymous_comment.pk}/change/")
    assert status == 200 and "匿名帖下的评论" in html
    assert SECRET not in html
    status, html = _page(client, "/admin/comments/comment/", q=SECRET)
    assert "匿名帖下的评论" not in html
    status, _html = _page(client, "/admin/comments/comment/", author=str(hidden.pk))
    assert status == 400


def test_the_author_is_revealed_one_item_at_a_time_and_audited(writers, staff):
    hidden, anonymous_note, _signed_note, anonymous_comment = writers
    moderator, client = staff
    status, html = _page(client, f"/admin/moderation/case/author/note/{anonymous_note.pk}/")
    assert status == 200 and SECRET in html
    status, html = _page(client, f"/admin/moderation/case/author/comment/{anonymous_comment.pk}/")
    assert status == 200 and SECRET in html
    looks = list(AuditLog.objects.filter(action=AuditLog.Action.REVEAL_AUTHOR).values_list("actor", "target_type", "target_id", "target_user"))
    assert sorted(looks) == sorted([
        (moderator.pk, "note", anonymous_note.pk, hidden.pk),
        (moderator.pk, "comment", anonymous_comment.pk, hidden.pk),
    ])
    assert _page(client, "/admin/moderation/case/author/nothing/1/")[0] == 404


def test_a_non_staff_member_cannot_open_the_author_page(writers):
    _hidden, anonymous_note, _signed, _comment = writers
    client = Client()
    client.force_login(make_user("curious"))
    response = client.get(f"/admin/moderation/case/author/note/{anonymous_note.pk}/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert AuditLog.objects.count() == 0


def test_the_audit_log_and_ban_history_do_not_name_whom_a_look_concerned(writers, staff):
    hidden, anonymous_note, _signed_note, _comment = writers
    moderator, client = staff
    author_reveal(moderator=moderator, target_type="note", target_id=anonymous_note.pk)
    status, html = _page(client, "/admin/moderation/auditlog/")
    assert status == 200 and str(anonymous_note.pk) in html
    assert SECRET not in html
    entry = AuditLog.objects.get(action=AuditLog.Action.REVEAL_AUTHOR)
    status, html = _page(client, f"/admin/moderation/auditlog/{entry.pk}/change/")
    assert status == 200 and SECRET not in html
    assert _page(client, "/admin/moderation/auditlog/", target_user=str(hidden.pk))[0] == 400
    status, html = _page(client, "/admin/moderation/auditlog/", q=SECRET)
    assert status == 200 and str(anonymous_note.pk) not in html

    from moderation.models import Case

    case = Case.objects.create(target_type="note", target_id=anonymous_note.pk, author=hidden, excerpt="x")
    record = user_ban(user=hidden, moderator=moderator, days=1, reason="广告", case=case)
    status, html = _page(client, f"/admin/moderation/banrecord/{record.pk}/change/")
    assert status == 200 and str(anonymous_note.pk) not in html and f"/moderation/case/{case.pk}/" not in html
    assert _page(client, "/admin/moderation/banrecord/", case=str(case.pk))[0] == 400


def test_deleting_a_user_lists_no_titles_of_their_anonymous_notes(writers, staff):
    hidden, _anonymous_note, _signed_note, _comment = writers
    _moderator, client = staff
    status, html = _page(client, f"/admin/accounts/user/{hidden.pk}/delete/")
    assert status == 200
    assert "匿名的帖子" not in html and "匿名帖下的评论" not in html
