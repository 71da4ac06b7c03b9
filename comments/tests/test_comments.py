"""Comments through the real HTTP stack, MariaDB and Redis."""

import threading

import pytest
from django.db import connection
from django.test import Client

from comments import cache
from comments.models import Comment
from notes.models import Note
from notes.services import note_create
from treehole.redis import get_redis
from treehole.testing import ApiClient, assert_error, make_user, token_client

pytestmark = pytest.mark.django_db


def new_note(author, *, anonymous=True, title="今天有点难过", content="想找个地方说说话。"):
    return note_create(author=author, title=title, content=content, category="emotion", anonymous=anonymous)


def post_comment(user, note, content="抱抱你", reply_to=None):
    body = {"content": content}
    if reply_to is not None:
        body["reply_to"] = str(reply_to)
    return token_client(user).post_json(f"/api/v1/notes/{note.pk}/comments", body)


def thread(note, viewer=None, **params):
    client = token_client(viewer) if viewer else ApiClient()
    response = client.get_json(f"/api/v1/notes/{note.pk}/comments", params)
    assert response.status_code == 200, response.content
    return response.json()


# --- create and pseudonyms ------------------------------------------------------------------------


def test_anonymous_note_author_is_dongzhu_and_others_get_stable_aliases():
    op, alice, bob = make_user("op_user"), make_user("first_user"), make_user("second_user")
    note = new_note(op)
    first = post_comment(alice, note, "第一条")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["floor"] == 1 and body["note_id"] == str(note.pk) and isinstance(body["id"], str)
    assert body["author"] == {"display_name": "Alice", "avatar_url": None, "anonymous": True, "is_me": True, "is_note_author": False}
    assert post_comment(op, note, "谢谢").json()["author"]["display_name"] == "洞主"
    assert post_comment(bob, note).json()["author"]["display_name"] == "Bob"
    assert post_comment(alice, note).json()["author"]["display_name"] == "Alice"  # stable
    results = thread(note)["results"]
    assert [c["floor"] for c in results] == [1, 2, 3, 4]
    assert [c["author"]["display_name"] for c in results] == ["Alice", "洞主", "Bob", "Alice"]
    assert [c["author"]["is_note_author"] for c in results] == [False, True, False, False]
    assert all("id" not in c["author"] and "username" not in c["author"] for c in results)
    assert all(c["author"]["is_me"] is False for c in results)  # signed out
    assert [c["author"]["is_me"] for c in thread(note, viewer=bob)["results"]] == [False, False, True, False]


def test_aliases_in_another_note_are_unrelated():
    a, b, c = make_user("ua"), make_user("ub"), make_user("uc")
    one, two = new_note(a), new_note(a)
    post_comment(b, one)
    post_comment(c, one)
    post_comment(c, two)
    post_comment(b, two)
    assert [x["author"]["display_name"] for x in thread(one)["results"]] == ["Alice", "Bob"]
    assert [x["author"]["display_name"] for x in thread(two)["results"]] == ["Alice", "Bob"]  # b is Bob here


def test_non_anonymous_note_shows_usernames():
    op, other = make_user("named_op"), make_user("named_other")
    note = new_note(op, anonymous=False)
    post_comment(other, note)
    post_comment(op, note)
    results = thread(note)["results"]
    assert [(c["author"]["display_name"], c["author"]["username"], c["author"]["anonymous"]) for c in results] == [
        ("named_other", "named_other", False),
        ("named_op", "named_op", False),
    ]
    assert results[0]["author"]["id"] == str(other.pk)


def test_reply_to():
    op, a, b = make_user("r_op"), make_user("r_a"), make_user("r_b")
    note, other_note = new_note(op), new_note(op)
    first = post_comment(a, note).json()
    reply = post_comment(b, note, "同感", reply_to=first["id"])
    assert reply.status_code == 201
    assert reply.json()["reply_to"] == {"id": first["id"], "floor": 1, "display_name": "Alice"}
    foreign = post_comment(a, other_note).json()
    assert_error(post_comment(b, note, reply_to=foreign["id"]), 400, "invalid", "reply_to")
    assert_error(post_comment(b, note, reply_to="not-an-id"), 400, "invalid", "reply_to")
    assert Comment.objects.filter(note=note).count() == 2


@pytest.mark.parametrize(
    "content,field",
    [("", "content"), ("   \n ", "content"), ("长" * 1001, "content")],
)
def test_bad_content_changes_nothing(content, field):
    op = make_user("v_op")
    note = new_note(op)
    assert_error(post_comment(op, note, content), 400, "invalid", field)
    assert not Comment.objects.exists()
    assert Note.objects.get(pk=note.pk).comment_count == 0


def test_limits_missing_auth_and_missing_notes():
    op = make_user("l_op")
    note = new_note(op)
    assert post_comment(op, note, "长" * 1000).status_code == 201
    assert_error(token_client(op).post_json(f"/api/v1/notes/{note.pk}/comments", {}), 400, "invalid", "content")
    assert_error(ApiClient().post_json(f"/api/v1/notes/{note.pk}/comments", {"content": "hi"}), 401, "unauthenticated")
    assert_error(token_client(op).post_json("/api/v1/notes/123456789/comments", {"content": "hi"}), 404, "not_found")
    assert_error(token_client(op).post_json("/api/v1/notes/abc/comments", {"content": "hi"}), 404, "not_found")
    assert_error(ApiClient().get_json("/api/v1/notes/123456789/comments"), 404, "not_found")
    assert_error(ApiClient().get_json(f"/api/v1/notes/{note.pk}/comments", {"size": 51}), 400, "invalid", "size")
    assert_error(ApiClient().get_json(f"/api/v1/notes/{note.pk}/comments", {"page": 0}), 400, "invalid", "page")


def test_hidden_and_deleted_notes():
    from notes.services import note_delete, note_set_hidden

    op, other = make_user("h_op"), make_user("h_other")
    note = new_note(op)
    post_comment(other, note)
    note_set_hidden(note_id=note.pk, hidden=True)
    assert_error(post_comment(other, note), 404, "not_found")
    assert_error(ApiClient().get_json(f"/api/v1/notes/{note.pk}/comments"), 404, "not_found")
    note_set_hidden(note_id=note.pk, hidden=False)
    assert thread(note)["total"] == 1
    note_delete(note_id=note.pk, user=op)
    assert not Comment.objects.exists()
    assert_error(ApiClient().get_json(f"/api/v1/notes/{note.pk}/comments"), 404, "not_found")
    assert not list(get_redis().scan_iter(match=cache.list_key(note.pk) + "*"))


# --- delete ---------------------------------------------------------------------------------------


def test_delete_keeps_the_floor_and_never_reuses_it():
    op, a, b = make_user("d_op"), make_user("d_a"), make_user("d_b")
    staff = make_user("d_staff", is_staff=True)
    note = new_note(op)
    ids = [post_comment(user, note).json()["id"] for user in (a, b, a, b)]
    assert_error(token_client(b).delete_json(f"/api/v1/comments/{ids[0]}"), 403, "forbidden")
    assert token_client(a).delete_json(f"/api/v1/comments/{ids[0]}").status_code == 204  # its author
    assert token_client(op).delete_json(f"/api/v1/comments/{ids[1]}").status_code == 204  # the note's author
    assert token_client(staff).delete_json(f"/api/v1/comments/{ids[2]}").status_code == 204  # staff
    assert_error(token_client(a).delete_json(f"/api/v1/comments/{ids[0]}"), 404, "not_found")
    assert_error(token_client(a).delete_json("/api/v1/comments/nope"), 404, "not_found")
    results = thread(note)["results"]
    assert [(c["floor"], c["deleted"], c["content"], c["author"]) for c in results[:3]] == [
        (1, True, "", None), (2, True, "", None), (3, True, "", None)
    ]
    assert results[3]["deleted"] is False and results[3]["content"] == "抱抱你"
    assert post_comment(a, note).json()["floor"] == 5
    assert Note.objects.get(pk=note.pk).comment_count == 2
    ApiClient().get_json(f"/api/v1/notes/{note.pk}")  # the note's card is cached now
    card = get_redis().hgetall(f"treehole:note:info:{note.pk}")
    assert card["comment_count"] == "2"  # and agrees with the database
    # A reply to a deleted comment is refused; the reply link of an older reply stays.
    assert_error(post_comment(b, note, reply_to=ids[0]), 400, "invalid", "reply_to")


def test_api_note_comment_count_follows():
    op, a = make_user("cc_op"), make_user("cc_a")
    note = new_note(op)
    for _ in range(3):
        post_comment(a, note)
    detail = ApiClient().get_json(f"/api/v1/notes/{note.pk}").json()
    assert detail["comment_count"] == 3


# --- listing --------------------------------------------------------------------------------------


def test_pagination_in_floor_order():
    op, a = make_user("p_op"), make_user("p_a")
    note = new_note(op)
    for i in range(5):
        post_comment(a, note, f"第{i + 1}条")
    page2 = thread(note, page=2, size=2)
    assert [c["floor"] for c in page2["results"]] == [3, 4]
    assert (page2["page"], page2["size"], page2["total"], page2["has_next"]) == (2, 2, 5, True)
    page3 = thread(note, page=3, size=2)
    assert [c["content"] for c in page3["results"]] == ["第5条"] and page3["has_next"] is False
    assert thread(note, page=9, size=2)["results"] == []


def test_my_comments_history_with_note_titles():
    op, me = make_user("m_op"), make_user("m_me")
    first, second = new_note(op, title="第一个帖子"), new_note(op, title="第二个帖子", anonymous=False)
    post_comment(me, first, "旧的")
    kept = post_comment(me, second, "新的").json()
    gone = post_comment(me, second, "删掉的").json()
    token_client(me).delete_json(f"/api/v1/comments/{gone['id']}")
    response = token_client(me).get_json("/api/v1/me/comments")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 2 and [c["content"] for c in body["results"]] == ["新的", "旧的"]
    assert [c["note_title"] for c in body["results"]] == ["第二个帖子", "第一个帖子"]
    assert body["results"][0]["id"] == kept["id"] and body["results"][1]["author"]["display_name"] == "Alice"
    assert_error(ApiClient().get_json("/api/v1/me/comments"), 401, "unauthenticated")


def test_warm_comment_page_makes_no_sql(django_assert_num_queries):
    op, a = make_user("q_op"), make_user("q_a")
    note = new_note(op)
    for _ in range(3):
        post_comment(a, note)
    client = ApiClient()
    client.get_json(f"/api/v1/notes/{note.pk}")  # warm the note's card
    assert client.get_json(f"/api/v1/notes/{note.pk}/comments").status_code == 200  # fills the thread
    with django_assert_num_queries(0):
        response = client.get_json(f"/api/v1/notes/{note.pk}/comments", {"size": 50})
    assert response.status_code == 200 and response.json()["total"] == 3


# --- cache ----------------------------------------------------------------------------------------


def test_cache_layout_ttls_and_redis_flush():
    op, a = make_user("c_op"), make_user("c_a")
    note = new_note(op)
    redis = get_redis()
    thread(note)  # fill from the database: TTL about a day
    fill_ttl = redis.ttl(cache.list_key(note.pk))
    assert 23 * 3600 < fill_ttl <= int(24 * 3600 * 1.1) + 1
    comment = post_comment(a, note).json()
    assert redis.lrange(cache.list_key(note.pk), 0, -1) == [cache.SENTINEL, comment["id"]]
    write_ttl = redis.ttl(cache.card_key(comment["id"]))
    assert 6 * 24 * 3600 < write_ttl <= int(7 * 24 * 3600 * 1.1) + 1
    redis.flushdb()
    assert [c["id"] for c in thread(note)["results"]] == [comment["id"]]


def test_no_stale_fill_after_a_delete():
    """A slow reader reads the database, a writer deletes a comment, the reader's fill arrives
    late: the lease refuses it, and no reader ever sees the deleted comment again."""
    from comments.selectors import _load_thread
    from comments.services import comment_delete

    op, a = make_user("s_op"), make_user("s_a")
    note = new_note(op)
    comment_id = int(post_comment(a, note).json()["id"])
    cache.invalidate(note.pk)
    def slow_load():
        stale = _load_thread(note.pk)  # read before the write...
        comment_delete(user=a, comment_id=comment_id)  # ...the write lands meanwhile...
        return stale  # ...and the stale cards arrive last

    cache.fill_thread(note.pk, slow_load)
    results = thread(note)["results"]
    assert results[0]["deleted"] is True and results[0]["content"] == ""


@pytest.mark.django_db(transaction=True)
def test_one_fill_for_a_crowd_of_cold_readers(monkeypatch):
    import comments.selectors as selectors

    op, a = make_user("f_op"), make_user("f_a")
    note = new_note(op)
    post_comment(a, note)
    ApiClient().get_json(f"/api/v1/notes/{note.pk}")
    cache.invalidate(note.pk)
    loads = []
    real_load = selectors._load_thread

    def counting_load(note_id):
        loads.append(1)
        return real_load(note_id)

    monkeypatch.setattr(selectors, "_load_thread", counting_load)
    barrier = threading.Barrier(30)
    answers = []

    def read():
        try:
            barrier.wait()
            answers.append(selectors.comment_page(note_id=note.pk, page=1, size=20).total)
        finally:
            connection.close()

    threads = [threading.Thread(target=read) for _ in range(30)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert answers == [1] * 30
    assert len(loads) == 1


def test_delayed_second_delete_task_drops_the_thread():
    from comments.tasks import comment_cache_second_delete

    op, a = make_user("t_op"), make_user("t_a")
    note = new_note(op)
    thread(note)  # the thread is cached, so the new comment is appended to it
    comment = post_comment(a, note).json()
    assert get_redis().exists(cache.card_key(comment["id"]))
    comment_cache_second_delete.call_local(note.pk, int(comment["id"]))
    assert not get_redis().exists(cache.list_key(note.pk), cache.card_key(comment["id"]))


def test_rebuild_redis_covers_comments():
    from django.core.management import call_command

    op, a = make_user("rb_op"), make_user("rb_a")
    note = new_note(op)
    post_comment(a, note)
    thread(note)
    assert get_redis().exists(cache.list_key(note.pk))
    call_command("rebuild_redis")
    assert not get_redis().exists(cache.list_key(note.pk))
    assert thread(note)["total"] == 1


@pytest.mark.django_db(transaction=True)
def test_created_hook_runs_after_commit():
    """The notification hook point gets the comment once it is committed: another connection
    (another thread) can already read the row when the hook runs."""
    from treehole import hooks

    seen = []

    def visible_elsewhere(comment):
        found = []

        def look():
            try:
                found.append(Comment.objects.filter(pk=comment.pk).exists())
            finally:
                connection.close()

        reader = threading.Thread(target=look)
        reader.start()
        reader.join()
        seen.append((comment.floor, found[0]))

    with hooks.register_temporarily("comment_created", visible_elsewhere):
        op = make_user("hk_op")
        note = new_note(op)
        assert post_comment(op, note).status_code == 201
        assert seen == [(1, True)]
        assert_error(post_comment(op, note, ""), 400, "invalid")
        assert seen == [(1, True)]  # nothing for a refused comment


# --- concurrency ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_comments_get_floors_1_to_20():
    op = make_user("cc20_op")
    users = [make_user(f"cc20_u{i}") for i in range(10)]
    note = new_note(op)
    ApiClient().get_json(f"/api/v1/notes/{note.pk}")  # the note's card is cached: its count must follow
    thread(note)  # so is the thread
    barrier = threading.Barrier(20)
    statuses = []

    def comment(user):
        try:
            barrier.wait()
            statuses.append(post_comment(user, note, f"来自{user.username}").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=comment, args=(users[i % 10],)) for i in range(20)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert statuses == [201] * 20
    floors = sorted(Comment.objects.filter(note=note).values_list("floor", flat=True))
    assert floors == list(range(1, 21))
    assert Note.objects.get(pk=note.pk).comment_count == 20
    card = get_redis().hgetall(f"treehole:note:info:{note.pk}")
    assert card.get("comment_count") == "20"
    results = thread(note, size=50)["results"]
    assert [c["floor"] for c in results] == list(range(1, 21))
    by_user: dict[str, set] = {}
    for c in results:
        by_user.setdefault(c["content"].removeprefix("来自"), set()).add(c["author"]["display_name"])
    assert all(len(names) == 1 for names in by_user.values())  # stable per user
    assert len({next(iter(n)) for n in by_user.values()}) == 10  # unique per note


# --- anonymity ------------------------------------------------------------------------------------


def test_no_answer_reveals_the_author_of_an_anonymous_note():
    from uploads.services import image_create

    from treehole.testing.files import jpeg_with_gps

    op = make_user("secret_op_name", email="secret.op@example.com")
    avatar = image_create(owner=op, data=jpeg_with_gps(), purpose="avatar")
    op.avatar = avatar
    op.save()
    other = make_user("plain_commenter")
    note = new_note(op)
    first = post_comment(op, note, "洞主在此").json()
    post_comment(other, note, "我来了", reply_to=first["id"])
    secrets = [str(op.pk), "secret_op_name", "secret.op@example.com", avatar.url, avatar.thumb_url]
    bodies = [
        ApiClient().get_json(f"/api/v1/notes/{note.pk}/comments").content,
        token_client(other).get_json(f"/api/v1/notes/{note.pk}/comments").content,
        token_client(other).get_json("/api/v1/me/comments").content,
        token_client(other).delete_json(f"/api/v1/comments/{first['id']}").content,  # 403 error body
        token_client(other).post_json(f"/api/v1/notes/{note.pk}/comments", {"content": ""}).content,
        post_comment(other, note, "再来").content,
        Client().get(f"/notes/{note.pk}/").content,
    ]
    signed_in = Client()
    signed_in.force_login(other)
    bodies.append(signed_in.get(f"/notes/{note.pk}/").content)
    bodies.append(signed_in.get("/me/comments/").content)
    for body in bodies:
        text = body.decode()
        for secret in secrets:
            assert secret not in text, (secret, text[:300])


# --- moderation -----------------------------------------------------------------------------------


def test_three_reports_fold_a_comment_in_the_cached_thread(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "report": (1e6, 1e6)}
    op, writer = make_user("fold_op"), make_user("fold_writer")
    reporters = [make_user(f"fold_r{i}") for i in range(3)]
    note = new_note(op)
    comment = post_comment(writer, note, "不太友善的话").json()
    assert thread(note)["results"][0]["folded"] is False  # cached now
    for reporter in reporters:
        response = token_client(reporter).post_json(
            "/api/v1/reports", {"target_type": "comment", "target_id": comment["id"], "reason": "abuse"}
        )
        assert response.status_code == 201, response.content
    assert thread(note)["results"][0]["folded"] is True
    html = Client().get(f"/notes/{note.pk}/").content.decode()
    assert "多人举报，已折叠" in html


def test_a_held_comment_is_visible_only_to_its_author():
    from moderation import filters
    from moderation.models import SensitiveWord

    SensitiveWord.objects.create(pattern="需要审核的词", action="hold")
    filters.matcher.invalidate()
    op, writer, reader = make_user("hold_op"), make_user("hold_writer"), make_user("hold_reader")
    note = new_note(op)
    created = post_comment(writer, note, "这里有需要审核的词")
    assert created.status_code == 201
    own = thread(note, viewer=writer)["results"][0]
    assert own["pending_review"] is True and own["content"] == "这里有需要审核的词"
    other = thread(note, viewer=reader)["results"][0]
    assert other["pending_review"] is True and other["content"] == "" and other["author"] is None


def test_an_alias_number_freed_by_a_deleted_account_is_never_handed_out_twice():
    """Numbers follow the highest one in the note, not the count: after an account (and so its
    alias) is gone, the next newcomer still gets a number nobody in the thread has."""
    from comments.models import NoteAlias

    author, first, second, third = (make_user(name) for name in ("alias_author", "alias_a", "alias_b", "alias_c"))
    note = new_note(author)
    assert post_comment(first, note).status_code == 201
    assert post_comment(second, note).status_code == 201
    first.delete()
    assert post_comment(third, note).status_code == 201
    numbers = sorted(NoteAlias.objects.filter(note=note).values_list("number", flat=True))
    assert numbers == [1, 2]
