"""The notifications part of the contract: every endpoint's success and failure, the kinds the
existing comment and moderation actions produce, folding, "never your own action", withdrawal."""

from __future__ import annotations

import pytest

from comments.services import comment_create, comment_delete
from moderation import services as moderation
from moderation.models import Case
from notes.services import note_unfollow
from notifications.models import Notification
from treehole.testing import make_note, make_user, token_client
from treehole.testing.client import ApiClient, assert_error

pytestmark = pytest.mark.django_db

FIELDS = {"id", "kind", "note", "comment", "actor", "count", "read", "text", "created_at", "updated_at"}


def notifications(client, **params):
    response = client.get_json("/api/v1/notifications", params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def unread(client) -> int:
    response = client.get_json("/api/v1/notifications/unread-count")
    assert response.status_code == 200, response.content
    return response.json()["count"]


def test_a_comment_notifies_the_author_of_the_note(author, author_client, other, note):
    comment = comment_create(user=other, note_id=note.pk, content="抱抱你，会好起来的")
    [row] = notifications(author_client)
    assert set(row) == FIELDS
    assert row["kind"] == "comment"
    assert row["note"] == {"id": str(note.pk), "number": note.number, "title": note.title}
    assert row["comment"] == {"id": str(comment.pk), "floor": 1}
    assert row["actor"] == {"display_name": "Alice"}
    assert row["count"] == 1 and row["read"] is False and row["text"] == "抱抱你，会好起来的"
    assert unread(author_client) == 1


def test_nobody_is_notified_of_their_own_action(author, author_client, note):
    comment = comment_create(user=author, note_id=note.pk, content="洞主自己补充一句")
    comment_create(user=author, note_id=note.pk, content="再回自己", reply_to_id=comment.pk)
    assert notifications(author_client) == []
    assert unread(author_client) == 0


def test_unread_comments_of_one_note_fold_until_read(author, author_client, note):
    commenters = [make_user() for _ in range(3)]
    for user in commenters:
        comment_create(user=user, note_id=note.pk, content="我也是")
    [row] = notifications(author_client)
    assert row["count"] == 3 and row["comment"]["floor"] == 1 and row["actor"] == {"display_name": "Alice"}
    assert unread(author_client) == 1
    response = author_client.post_json("/api/v1/notifications/read", {"ids": [row["id"]]})
    assert response.status_code == 200 and response.json() == {"count": 0}
    comment_create(user=commenters[0], note_id=note.pk, content="又来了")
    rows = notifications(author_client)
    assert [(r["count"], r["read"]) for r in rows] == [(1, False), (3, True)]
    assert rows[0]["comment"]["floor"] == 4


def test_a_reply_is_never_folded_into_a_comment_and_one_event_notifies_once(author, author_client, other, note):
    first = comment_create(user=other, note_id=note.pk, content="第一层")
    # `other` follows the note (first comment) and is replied to: told once, as a reply.
    comment_create(user=author, note_id=note.pk, content="谢谢你", reply_to_id=first.pk)
    other_client = token_client(other)
    [row] = notifications(other_client)
    assert row["kind"] == "reply" and row["actor"] == {"display_name": "洞主"} and row["comment"]["floor"] == 2
    third = make_user()
    comment_create(user=third, note_id=note.pk, content="楼上说得对", reply_to_id=first.pk)
    kinds = sorted(r["kind"] for r in notifications(other_client))
    assert kinds == ["reply", "reply"]
    assert [r["kind"] for r in notifications(author_client)] == ["comment"]
    assert Notification.objects.filter(user=other).count() == 2


def test_a_redelivered_comment_changes_nothing(author, author_client, other, note, settings):
    """The cursor commits with each batch: a task run again, or resumed after a worker died
    after its last batch, writes nothing twice."""
    from notifications.models import Delivery
    from notifications.services import delivery_run

    settings.NOTIFICATIONS_FANOUT_BATCH = 2
    followers = [make_user() for _ in range(3)]
    for user in followers:
        token_client(user).put_json(f"/api/v1/notes/{note.pk}/follow")
    comment_create(user=other, note_id=note.pk, content="一次")
    delivery = Delivery.objects.get()
    assert delivery.done_at is not None and delivery.cursor == max(u.pk for u in [author, *followers])
    assert delivery_run(delivery_id=delivery.pk) == 0
    Delivery.objects.filter(pk=delivery.pk).update(done_at=None)  # died before marking it done
    assert delivery_run(delivery_id=delivery.pk) == 0
    assert [r["count"] for r in notifications(author_client)] == [1]
    assert Notification.objects.filter(kind="comment").count() == 4


def test_unfollowed_notes_stop_notifying_but_replies_still_come(author, author_client, other, note):
    mine = comment_create(user=author, note_id=note.pk, content="洞主的楼")
    note_unfollow(user=author, note_id=note.pk)
    comment_create(user=other, note_id=note.pk, content="路过")
    assert notifications(author_client) == []
    comment_create(user=other, note_id=note.pk, content="回复洞主", reply_to_id=mine.pk)
    assert [r["kind"] for r in notifications(author_client)] == ["reply"]


def test_a_deleted_comment_is_withdrawn(author, author_client, other, note):
    comment = comment_create(user=other, note_id=note.pk, content="说错话了")
    assert unread(author_client) == 1
    comment_delete(user=other, comment_id=comment.pk)
    assert notifications(author_client) == []
    assert unread(author_client) == 0


def test_a_deleted_comment_that_started_a_fold_leaves_the_fold_without_its_text(author, author_client, other, note):
    first = comment_create(user=other, note_id=note.pk, content="第一条")
    comment_create(user=make_user(), note_id=note.pk, content="第二条")
    comment_delete(user=other, comment_id=first.pk)
    [row] = notifications(author_client)
    assert row["count"] == 1 and row["text"] == "" and "第一条" not in str(row)


def test_list_filters_unread_and_read_and_paginates(author, author_client, note):
    notes = [note, make_note(author), make_note(author)]
    for item in notes:
        comment_create(user=make_user(), note_id=item.pk, content="嗨")
    rows = notifications(author_client)
    assert [r["note"]["id"] for r in rows] == [str(n.pk) for n in reversed(notes)]  # most recently updated first
    author_client.post_json("/api/v1/notifications/read", {"ids": [rows[0]["id"]]})
    assert [r["id"] for r in notifications(author_client, unread="true")] == [rows[1]["id"], rows[2]["id"]]
    assert [r["id"] for r in notifications(author_client, unread="false")] == [rows[0]["id"]]
    page = author_client.get_json("/api/v1/notifications", {"size": 2, "page": 2}).json()
    assert (page["total"], page["page"], page["size"], page["has_next"], len(page["results"])) == (3, 2, 2, False, 1)


def test_read_all_and_idempotent_read(author, author_client, note):
    for item in (note, make_note(author)):
        comment_create(user=make_user(), note_id=item.pk, content="嗨")
    assert unread(author_client) == 2
    for _ in range(2):
        response = author_client.post_json("/api/v1/notifications/read", {"all": True})
        assert response.status_code == 200 and response.json() == {"count": 0}
    ids = [r["id"] for r in notifications(author_client)]
    response = author_client.post_json("/api/v1/notifications/read", {"ids": ids})
    assert response.json() == {"count": 0}


def test_someone_elses_ids_are_not_found_and_mark_nothing(author, author_client, other, other_client, note):
    comment_create(user=other, note_id=note.pk, content="嗨")
    [row] = notifications(author_client)
    assert_error(other_client.post_json("/api/v1/notifications/read", {"ids": [row["id"]]}), 404, "not_found")
    assert_error(other_client.post_json("/api/v1/notifications/read", {"ids": ["999999999"]}), 404, "not_found")
    assert unread(author_client) == 1


@pytest.mark.parametrize("body, field", [
    ({}, "ids"), ({"ids": []}, "ids"), ({"ids": ["abc"]}, "ids"), ({"ids": [True]}, "ids"),
    ({"ids": ["1"] * 101}, "ids"), ({"all": False}, "all"), ({"ids": ["1"], "all": True}, "all"),
    ({"ids": "1"}, "ids"), ({"all": "yes"}, "all"),
])
def test_bad_read_bodies_are_400(author_client, body, field):
    assert_error(author_client.post_json("/api/v1/notifications/read", body), 400, "invalid", field)


def test_bad_json_and_bad_query_are_400(author_client):
    assert_error(author_client.post_json("/api/v1/notifications/read", "{not json"), 400, "invalid")
    assert_error(author_client.get_json("/api/v1/notifications", {"unread": "maybe"}), 400, "invalid")
    assert_error(author_client.get_json("/api/v1/notifications", {"size": 0}), 400, "invalid", "size")
    assert_error(author_client.get_json("/api/v1/notifications", {"page": 10**9}), 400, "invalid", "page")


@pytest.mark.parametrize("method, path", [
    ("get", "/api/v1/notifications"), ("get", "/api/v1/notifications/unread-count"),
    ("post", "/api/v1/notifications/read"), ("get", "/api/v1/me/following"),
])
def test_signed_out_is_401(method, path):
    client = ApiClient()
    response = client.get_json(path) if method == "get" else client.post_json(path, {"all": True})
    assert_error(response, 401, "unauthenticated")
    bad = ApiClient(token="not-a-token")
    response = bad.get_json(path) if method == "get" else bad.post_json(path, {"all": True})
    assert response.status_code == 401


def test_a_revoked_token_cannot_read_the_warm_count(author, author_client):
    from accounts.services import token_version_bump

    assert unread(author_client) == 0
    token_version_bump(user=author)
    assert_error(author_client.get_json("/api/v1/notifications/unread-count"), 401, "token_expired")


def test_moderation_hide_tells_the_author_with_the_reason_and_names_no_moderator(author, author_client, note, staff):
    reporter = make_user()
    moderation.report_create(reporter=reporter, target_type="note", target_id=note.pk, reason="abuse")
    moderation.case_hide(case=Case.objects.get(target_type="note", target_id=note.pk), moderator=staff, reason="人身攻击")
    [row] = notifications(author_client)
    assert row["kind"] == "moderation" and row["actor"] is None
    assert row["note"]["id"] == str(note.pk)
    assert "已被隐藏" in row["text"] and "人身攻击" in row["text"]
    assert staff.username not in str(row)
    [told] = notifications(token_client(reporter))
    assert told["kind"] == "report_handled" and told["text"] == "你的举报已处理。"
    assert told["note"] is None and told["actor"] is None


def test_a_dismissed_report_says_no_violation_and_nothing_to_the_author(author, author_client, note, staff):
    reporter = make_user()
    moderation.report_create(reporter=reporter, target_type="note", target_id=note.pk, reason="spam")
    moderation.case_dismiss(case=Case.objects.get(target_type="note", target_id=note.pk), moderator=staff)
    [told] = notifications(token_client(reporter))
    assert told["kind"] == "report_handled" and told["text"] == "你的举报已审核：未发现违规。"
    assert notifications(author_client) == []


def test_deleting_a_reported_comment_tells_its_author_and_withdraws_its_notifications(author, author_client, other, note, staff):
    comment = comment_create(user=other, note_id=note.pk, content="不好的话")
    moderation.report_create(reporter=author, target_type="comment", target_id=comment.pk, reason="abuse")
    moderation.case_delete(case=Case.objects.get(target_type="comment", target_id=comment.pk), moderator=staff, reason="辱骂")
    [row] = notifications(token_client(other))
    assert row["kind"] == "moderation" and row["comment"]["floor"] == 1 and "已被删除" in row["text"] and "辱骂" in row["text"]
    assert [r["kind"] for r in notifications(author_client)] == ["report_handled"]


def test_a_ban_says_until_when_and_why(author, author_client, staff):
    moderation.user_ban(user=author, moderator=staff, days=3, reason="刷屏")
    row = Notification.objects.get(user=author)
    assert row.kind == "ban" and row.detail["reason"] == "刷屏" and row.detail["until"]
    from notifications.serializers import notification_serialize

    text = notification_serialize(row, viewer_id=author.pk)["text"]
    assert "封禁" in text and "解除" in text and "刷屏" in text
    moderation.user_ban(user=make_user(), moderator=staff, days=None, reason="")
    assert "永久" in notification_serialize(Notification.objects.exclude(user=author).get(), viewer_id=0)["text"]


def test_following_lists_new_floors_since_last_opened(author, author_client, other, note):
    second = make_note(other)
    token_client(author).put_json(f"/api/v1/notes/{second.pk}/follow")
    for _ in range(2):
        comment_create(user=make_user(), note_id=note.pk, content="新楼")
    body = author_client.get_json("/api/v1/me/following").json()
    assert [(r["id"], r["new_floors"]) for r in body["results"]] == [(str(second.pk), 0), (str(note.pk), 2)]
    assert body["results"][0]["following"] is True
    author_client.get_json(f"/api/v1/notes/{note.pk}")  # opening it resets the count
    body = author_client.get_json("/api/v1/me/following").json()
    assert [r["new_floors"] for r in body["results"]] == [0, 0]


def test_a_held_comment_notifies_nobody_until_a_moderator_approves_it(author, author_client, other, note, staff):
    from moderation import filters
    from moderation.models import SensitiveWord

    SensitiveWord.objects.create(pattern="加微信", action="hold")
    filters.matcher.invalidate()
    comment = comment_create(user=other, note_id=note.pk, content="想聊可以加微信")
    assert comment.held and notifications(author_client) == []
    moderation.case_approve(case=Case.objects.get(target_type="comment", target_id=comment.pk), moderator=staff)
    [row] = notifications(author_client)
    assert row["kind"] == "comment" and row["comment"]["id"] == str(comment.pk)
    [told] = notifications(token_client(other))
    assert told["kind"] == "moderation" and "已通过审核" in told["text"]


def test_a_deleted_note_leaves_its_notifications_counted_and_pointing_nowhere(author, author_client, other, note):
    from notes.services import note_delete

    comment_create(user=other, note_id=note.pk, content="嗨")
    note_delete(note_id=note.pk, user=author)
    [row] = notifications(author_client)
    assert row["note"] is None and row["comment"] is None and row["text"] == ""
    assert unread(author_client) == 1
    assert author_client.post_json("/api/v1/notifications/read", {"all": True}).json() == {"count": 0}
