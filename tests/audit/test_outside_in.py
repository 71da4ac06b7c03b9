"""Outside-in audit of the session's new surfaces, as a signed-in member and a signed-out visitor
would probe them: every byte served (bodies, headers, pages, exports) about an anonymous note
and its thread — poll, content warning, edit history, 只看洞主, follow/bookmark lists,
notifications, search, and after the author deleted the account — carries none of the author's
username, id or e-mail; and malformed input to those surfaces answers 4xx in the contract's
error shape, never 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from comments.services import comment_create
from treehole.testing import ApiClient, DEFAULT_PASSWORD, assert_error, make_user, token_client

pytestmark = pytest.mark.django_db


def raw(response) -> bytes:
    """The whole response as the client gets it: status line, headers and body (streamed too)."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    head = "\n".join(f"{name}: {value}" for name, value in response.items()).encode()
    return f"{response.status_code}\n".encode() + head + b"\n\n" + body


def secrets_of(user, *extra: str) -> list[bytes]:
    return [str(user.pk).encode(), user.username.encode(), user.email.encode(), *(s.encode() for s in extra)]


def assert_clean(blob: bytes, user, *extra: str) -> None:
    leaks = [token for token in secrets_of(user, *extra) if token in blob]
    assert not leaks, leaks


@pytest.fixture
def scene(categories, fast_hasher, generous_limits):
    op = make_user("opsecretname", email="opsecret@mail.example")
    alice, bob = make_user("alicereader"), make_user("bobreader")
    op_client = token_client(op)
    created = op_client.post_json("/api/v1/notes", {
        "title": "今晚好难过", "content": "第一版的心里话", "category": "emotion", "anonymous": True,
        "content_warning": "自伤",
        "poll": {"question": "要不要说出来", "options": ["要", "不要", "再想想"], "multiple": True},
    })
    assert created.status_code == 201, created.content
    note = created.json()
    edited = op_client.patch_json(f"/api/v1/notes/{note['id']}", {"content": "第二版的心里话"})
    assert edited.status_code == 200, edited.content
    first = comment_create(user=alice, note_id=int(note["id"]), content="抱抱你")
    comment_create(user=op, note_id=int(note["id"]), content="谢谢你的拥抱", reply_to_id=first.pk)
    comment_create(user=bob, note_id=int(note["id"]), content="我也在")
    options = [option["id"] for option in note["poll"]["options"]]
    assert op_client.put_json(f"/api/v1/notes/{note['id']}/poll/vote", {"option_ids": options[:2]}).status_code == 200
    assert token_client(bob).put_json(f"/api/v1/notes/{note['id']}/poll/vote", {"option_ids": options[2:]}).status_code == 200
    alice_client = token_client(alice)
    assert alice_client.put_json(f"/api/v1/notes/{note['id']}/follow").status_code == 204
    assert alice_client.put_json(f"/api/v1/notes/{note['id']}/bookmark").status_code == 204
    return {"op": op, "alice": alice, "bob": bob, "note": note, "options": options, "op_client": op_client}


def everything_served(client, page_client, note: dict, options: list[str], *, signed_in: bool) -> bytes:
    nid, number = note["id"], note["number"]
    api = [
        f"/api/v1/notes/{nid}", f"/api/v1/notes/by-number/{number}", "/api/v1/notes", "/api/v1/notes?order=new",
        "/api/v1/notes?category=emotion", f"/api/v1/notes/{nid}/revisions", f"/api/v1/notes/{nid}/comments",
        f"/api/v1/notes/{nid}/comments?only_author=true", "/api/v1/notes/search?q=心里话",
        "/api/v1/notes/search?q=拥抱&comments=true",
    ]
    pages = ["/", f"/notes/{nid}/", f"/notes/{nid}/revisions/", f"/n/{number}", f"/notes/{nid}/?only_author=1",
             "/notes/search/?q=心里话&comments=1"]
    if signed_in:
        api += ["/api/v1/notifications", "/api/v1/notifications/unread-count", "/api/v1/me/following",
                "/api/v1/me/bookmarks", "/api/v1/me/export", "/api/v1/me/filters"]
        pages += ["/notifications/", "/me/following/", "/me/bookmarks/", "/me/filters/"]
    blobs = [raw(client.get_json(path)) for path in api]
    for path in pages:
        response = page_client.get(path)
        assert response.status_code in (200, 302), (path, response.status_code)
        blobs.append(raw(response))
    if signed_in:
        blobs.append(raw(client.put_json(f"/api/v1/notes/{nid}/poll/vote", {"option_ids": options[:1]})))
        blobs.append(raw(client.get_json(f"/api/v1/notes/{nid}")))
    return b"\n".join(blobs)


def test_no_byte_of_the_new_surfaces_names_an_anonymous_author(scene):
    op, alice, note = scene["op"], scene["alice"], scene["note"]
    page_client = Client()
    page_client.force_login(alice)
    seen = everything_served(token_client(alice), page_client, note, scene["options"], signed_in=True)
    assert_clean(seen, op)
    # The surfaces were really served: the thread, the poll, the history, the lists.
    for shown in ("第一版的心里话", "要不要说出来", "自伤", "谢谢你的拥抱", "洞主"):
        assert shown.encode() in seen, shown
    # Signed out, the same.
    assert_clean(everything_served(ApiClient(), Client(), note, scene["options"], signed_in=False), op)


def test_searching_for_the_author_finds_nothing_of_theirs(scene):
    """The search echoes its query, so the check is what it finds: not the anonymous note, by
    the author's name or e-mail, in notes or comments (the author replied in the thread)."""
    for q in ("opsecretname", "opsecret@mail.example", "opsecret"):
        for extra in ({}, {"comments": "true"}, {"mode": "exact"}):
            for client in (ApiClient(), token_client(scene["alice"])):
                body = client.get_json("/api/v1/notes/search", {"q": q, **extra}).json()
                assert body["total"] == 0 and body["results"] == [], (q, extra)
        page = Client().get("/notes/search/", {"q": q, "comments": "1"})
        assert page.status_code == 200 and "今晚好难过".encode() not in page.content


def test_my_choices_is_the_callers_own_and_votes_say_nobody(scene):
    note, options = scene["note"], scene["options"]
    alice = token_client(scene["alice"])
    poll = alice.get_json(f"/api/v1/notes/{note['id']}").json()["poll"]
    assert poll["my_choices"] == [] and poll["total_voters"] == 2
    assert ApiClient().get_json(f"/api/v1/notes/{note['id']}").json()["poll"]["my_choices"] == []
    mine = scene["op_client"].get_json(f"/api/v1/notes/{note['id']}").json()["poll"]["my_choices"]
    assert sorted(mine) == sorted(options[:2])


def test_a_deleted_authors_anonymous_thread_still_names_nobody(scene):
    op, alice, note = scene["op"], scene["alice"], scene["note"]
    signed = scene["op_client"].post_json("/api/v1/notes", {
        "title": "署名的一条", "content": "署名内容", "category": "life", "anonymous": False})
    assert signed.status_code == 201
    gone = scene["op_client"].delete_json("/api/v1/me", {"password": DEFAULT_PASSWORD})
    assert gone.status_code == 204, gone.content
    op.refresh_from_db()
    tombstone = [op.username, op.email]
    page_client = Client()
    page_client.force_login(alice)
    seen = everything_served(token_client(alice), page_client, note, scene["options"], signed_in=True)
    seen += raw(token_client(alice).get_json(f"/api/v1/notes/{signed.json()['id']}"))
    seen += raw(page_client.get(f"/notes/{signed.json()['id']}/"))
    # Neither the old identity nor the tombstone's made-up name and address.
    assert_clean(seen, op, "opsecretname", "opsecret@mail.example", *tombstone)
    assert "已注销用户".encode() in seen


def test_the_export_holds_nobody_elses_identity(scene):
    op, alice, bob = scene["op"], scene["alice"], scene["bob"]
    for user, others in ((alice, (op, bob)), (bob, (op, alice)), (op, (alice, bob))):
        blob = raw(token_client(user).get_json("/api/v1/me/export"))
        assert user.username.encode() in blob
        for someone in others:
            assert_clean(blob, someone)


BAD_IDS = ["abc", "-1", "0", "99999999999999999999999", "1e5", "%F0%9F%98%80"]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_bad_note_ids_on_the_new_endpoints_are_404s(scene, bad):
    alice = token_client(scene["alice"])
    for method, path in (("get", "/revisions"), ("put", "/follow"), ("delete", "/follow"), ("put", "/bookmark"),
                         ("delete", "/bookmark")):
        response = getattr(alice, f"{method}_json")(f"/api/v1/notes/{bad}{path}")
        assert_error(response, 404, "not_found")
    assert_error(alice.put_json(f"/api/v1/notes/{bad}/poll/vote", {"option_ids": []}), 404, "not_found")
    for page in (f"/notes/{bad}/revisions/", f"/notifications/{bad}/"):
        page_client = Client()
        page_client.force_login(scene["alice"])
        assert page_client.get(page).status_code == 404


@pytest.mark.parametrize("payload", [
    {"option_ids": "1"}, {"option_ids": [1]}, {"option_ids": [True]}, {"option_ids": [None]},
    {"option_ids": ["abc"]}, {"option_ids": ["99999999999999999999999"]}, {"option_ids": ["\ud800"]},
    {"option_ids": ["1"] * 11}, {}, {"option_ids": None}, [], "x",
])
def test_malformed_ballots_are_400s(scene, payload):
    body = json.dumps(payload)  # "\ud800" travels as the JSON escape \ud800 (a lone surrogate)
    response = token_client(scene["alice"]).put(
        f"/api/v1/notes/{scene['note']['id']}/poll/vote", body, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token_client(scene['alice']).token}")
    assert 400 <= response.status_code < 500, (response.status_code, response.content)
    assert set(response.json()) == {"error"} and {"code", "message"} <= set(response.json()["error"])


def test_ballots_with_other_notes_options_or_on_a_pollless_note_are_refused(scene, categories):
    alice = token_client(scene["alice"])
    other = scene["op_client"].post_json("/api/v1/notes", {
        "title": "另一个投票", "content": "内容", "category": "study", "anonymous": True,
        "poll": {"question": "选哪个", "options": ["甲", "乙"]}}).json()
    foreign = [other["poll"]["options"][0]["id"]]
    response = alice.put_json(f"/api/v1/notes/{scene['note']['id']}/poll/vote", {"option_ids": foreign})
    assert 400 <= response.status_code < 500 and set(response.json()) == {"error"}
    plain = scene["op_client"].post_json("/api/v1/notes", {
        "title": "没有投票", "content": "内容", "category": "study"}).json()
    response = alice.put_json(f"/api/v1/notes/{plain['id']}/poll/vote", {"option_ids": foreign})
    assert 400 <= response.status_code < 500 and set(response.json()) == {"error"}
    # Two options on a single-choice poll.
    both = [o["id"] for o in other["poll"]["options"]]
    response = alice.put_json(f"/api/v1/notes/{other['id']}/poll/vote", {"option_ids": both})
    assert 400 <= response.status_code < 500 and set(response.json()) == {"error"}
    assert ApiClient().get_json(f"/api/v1/notes/{other['id']}").json()["poll"]["total_voters"] == 0


@pytest.mark.parametrize("payload", [
    {"muted_categories": "emotion", "muted_keywords": [], "fold_warnings": True},
    {"muted_categories": ["nope"], "muted_keywords": [], "fold_warnings": True},
    {"muted_categories": [1], "muted_keywords": [], "fold_warnings": True},
    {"muted_categories": [], "muted_keywords": ["\ud800"], "fold_warnings": True},
    {"muted_categories": [], "muted_keywords": [""], "fold_warnings": True},
    {"muted_categories": [], "muted_keywords": ["x" * 10_000], "fold_warnings": True},
    {"muted_categories": [], "muted_keywords": [str(n) for n in range(10_000)], "fold_warnings": True},
    {"muted_categories": [], "muted_keywords": [7], "fold_warnings": True},
    {"muted_categories": [], "muted_keywords": [], "fold_warnings": "maybe"},
    {"muted_categories": [], "muted_keywords": [], "fold_warnings": "no"},
    {"muted_categories": [], "muted_keywords": [], "fold_warnings": 0},
    {"muted_categories": [], "muted_keywords": []},
    [],
])
def test_malformed_filters_are_400s(scene, payload):
    client = token_client(scene["alice"])
    response = client.put("/api/v1/me/filters", json.dumps(payload), content_type="application/json",
                          HTTP_AUTHORIZATION=f"Bearer {client.token}")
    assert 400 <= response.status_code < 500, (response.status_code, response.content)
    assert set(response.json()) == {"error"} and {"code", "message"} <= set(response.json()["error"])


@pytest.mark.parametrize("payload", [
    {"ids": "1"}, {"ids": [True]}, {"ids": ["abc"]}, {"ids": [10**40]}, {"ids": ["99999999999999999999999"]},
    {"ids": ["\ud800"]}, {"ids": [1.5]}, {"ids": [[1]]}, {"ids": [str(n) for n in range(1, 500)]},
    {"all": "yes"}, {"all": 1}, [],
])
def test_malformed_read_marks_are_400s(scene, payload):
    client = token_client(scene["op"])
    response = client.post_json("/api/v1/notifications/read", json.dumps(payload))
    assert 400 <= response.status_code < 500, (response.status_code, response.content)
    assert set(response.json()) == {"error"} and {"code", "message"} <= set(response.json()["error"])


def test_marking_someone_elses_notifications_read_changes_nothing(scene):
    op = token_client(scene["op"])
    before = op.get_json("/api/v1/notifications/unread-count").json()
    theirs = [row["id"] for row in op.get_json("/api/v1/notifications").json()["results"]]
    assert theirs and before["count"] >= 1
    answer = token_client(scene["alice"]).post_json("/api/v1/notifications/read", {"ids": theirs})
    assert answer.status_code in (200, 400, 404), answer.content
    assert op.get_json("/api/v1/notifications/unread-count").json() == before
    # Opening another member's notification from the page is a 404 too, and marks nothing.
    page_client = Client()
    page_client.force_login(scene["alice"])
    assert page_client.get(f"/notifications/{theirs[0]}/").status_code == 404
    assert op.get_json("/api/v1/notifications/unread-count").json() == before


@pytest.mark.parametrize("query", [
    {"page": "10" * 30}, {"page": "-1"}, {"size": "0"}, {"size": "999"}, {"unread": "maybe"}, "page=%ED%A0%80", "page=%FF",
])
def test_malformed_list_queries_are_400s(scene, query):
    client = token_client(scene["alice"])
    paths = ["/api/v1/notifications"]
    if query != {"unread": "maybe"}:
        paths += ["/api/v1/me/following", "/api/v1/me/bookmarks", f"/api/v1/notes/{scene['note']['id']}/comments"]
    for path in paths:
        # A lone surrogate cannot be UTF-8: it arrives as its invalid bytes, percent-encoded.
        response = client.get_json(f"{path}?{query}") if isinstance(query, str) else client.get_json(path, query)
        assert 400 <= response.status_code < 500, (path, query, response.status_code, response.content)
        assert set(response.json()) == {"error"}


@pytest.mark.parametrize("value", ["maybe", "2", "%ED%A0%80", ""])
def test_a_malformed_only_author_is_a_400(scene, value):
    response = ApiClient().get_json(f"/api/v1/notes/{scene['note']['id']}/comments?only_author={value}")
    assert 400 <= response.status_code < 500, (value, response.status_code, response.content)
    assert set(response.json()) == {"error"}


@pytest.mark.parametrize("payload", [{}, {"password": 123}, {"password": "\ud800"}, {"password": None},
                                     {"password": "x" * 100_000}, {"password": "wrong", "captcha_key": 5}, []])
def test_malformed_account_deletions_are_400s_and_delete_nothing(scene, payload):
    client = token_client(scene["alice"])
    response = client.delete("/api/v1/me", json.dumps(payload), content_type="application/json",
                             HTTP_AUTHORIZATION=f"Bearer {client.token}")
    assert 400 <= response.status_code < 500, (response.status_code, response.content)
    assert set(response.json()) == {"error"}
    scene["alice"].refresh_from_db()
    assert scene["alice"].deleted_at is None


def test_edits_of_someone_elses_note_and_the_history_of_hidden_ones(scene):
    alice = token_client(scene["alice"])
    nid = scene["note"]["id"]
    response = alice.patch_json(f"/api/v1/notes/{nid}", {"content": "我来改"})
    assert 400 <= response.status_code < 500 and set(response.json()) == {"error"}
    revisions = ApiClient().get_json(f"/api/v1/notes/{nid}/revisions").json()
    assert [r["content"] for r in revisions] == ["第一版的心里话"]
    assert scene["op_client"].delete_json(f"/api/v1/notes/{nid}").status_code == 204
    assert_error(ApiClient().get_json(f"/api/v1/notes/{nid}/revisions"), 404, "not_found")
    assert Client().get(f"/notes/{nid}/revisions/").status_code == 404


def test_one_members_relations_and_ballot_never_reach_another_through_warm_caches(scene):
    """The author and alice read first (filling cards, rows and stored pages); carol, who neither
    voted, commented nor followed, and a signed-out visitor then see none of their choices: a per-viewer
    field served to the wrong viewer would tell that this member wrote, voted or followed."""
    nid = scene["note"]["id"]
    carol_user = make_user("carolreader")
    op, alice, carol = scene["op_client"], token_client(scene["alice"]), token_client(carol_user)
    alice.put_json(f"/api/v1/notes/{nid}/vote", {"value": 1})
    for client in (op, alice):
        for path in ("/api/v1/notes", "/api/v1/notes?order=new", f"/api/v1/notes/{nid}", "/api/v1/me/bookmarks"):
            client.get_json(path)
    pages = {}
    for who, user in (("op", scene["op"]), ("alice", scene["alice"]), ("carol", carol_user), ("out", None)):
        page_client = Client()
        if user is not None:
            page_client.force_login(user)
        pages[who] = b"".join(page_client.get(path).content for path in ("/", f"/notes/{nid}/"))
    for client, mine in ((carol, False), (ApiClient(), False), (alice, True)):
        for body in (client.get_json("/api/v1/notes").json()["results"][0], client.get_json(f"/api/v1/notes/{nid}").json()):
            assert body["author"]["is_me"] is False and body["author"]["display_name"] == "洞主"
            assert body["poll"]["my_choices"] == []
            assert body["following"] is mine and body["bookmarked"] is mine
            assert body["my_vote"] == (1 if mine else 0)
    mine = op.get_json(f"/api/v1/notes/{nid}").json()
    assert mine["author"]["is_me"] is True and sorted(mine["poll"]["my_choices"]) == sorted(scene["options"][:2])
    assert "我的选择".encode() in pages["op"]
    for who in ("alice", "carol", "out"):
        assert "我的选择".encode() not in pages[who] and b" checked" not in pages[who], who
    for who in ("alice", "carol", "out"):
        assert_clean(pages[who], scene["op"])


def _without_visits(value):
    if isinstance(value, dict):
        return {key: _without_visits(item) for key, item in value.items() if key != "visits"}
    if isinstance(value, list):
        return [_without_visits(item) for item in value]
    return value


def test_deleting_the_account_changes_no_byte_of_its_anonymous_content(scene, categories):
    """Were a deletion to mark the anonymous notes, comments or ballots it leaves (a label, a
    vanished vote), they would change at the moment the member's signed notes turn 已注销用户 —
    linking the two. Everything a reader sees of them stays as it was (the visit counter aside)."""
    from treehole.testing import make_note

    elsewhere = make_note(scene["alice"], anonymous=True)
    comment_create(user=scene["op"], note_id=elsewhere.pk, content="在别人的树洞里留言")
    nid = scene["note"]["id"]
    alice = token_client(scene["alice"])
    paths = [f"/api/v1/notes/{nid}", f"/api/v1/notes/{nid}/comments", f"/api/v1/notes/{nid}/comments?only_author=true",
             f"/api/v1/notes/{nid}/revisions", f"/api/v1/notes/{elsewhere.pk}/comments", "/api/v1/notifications"]

    def seen():
        return [_without_visits(client.get_json(path).json()) for client in (alice, ApiClient()) for path in paths
                if client is alice or "notifications" not in path]

    before = seen()
    assert scene["op_client"].delete_json("/api/v1/me", {"password": DEFAULT_PASSWORD}).status_code == 204
    assert seen() == before


@pytest.mark.parametrize("poll", [
    {"question": "问", "options": ["同一个", "同一个"]},
    {"question": "问", "options": ["只有一个"]},
    {"question": "问", "options": [str(n) for n in range(11)]},
    {"question": "问", "options": ["甲", "\ud800"]},
    {"question": "\ud800", "options": ["甲", "乙"]},
    {"question": "问", "options": ["甲", 2]},
    {"question": "问", "options": ["甲", "乙"], "closes_at": "2020-01-01T00:00:00+00:00"},
    {"question": "问", "options": ["甲", "乙"], "closes_at": "2027-01-01T00:00:00"},
    {"question": "问", "options": ["甲", "乙"], "closes_at": "9999-12-31T23:59:59+00:00"},
    {"question": "问", "options": ["甲", "乙"], "closes_at": 10**30},
    {"question": "问", "options": ["甲", "乙"], "multiple": "yes"},
    {"question": "问", "options": ["甲", "乙"], "multiple": 1},
    {"question": "", "options": ["甲", "乙"]},
    "投票",
])
def test_malformed_polls_are_400s_and_publish_nothing(scene, poll):
    client = scene["op_client"]
    before = client.get_json("/api/v1/me/notes").json()["total"]
    response = client.post_json("/api/v1/notes", {"title": "带投票", "content": "内容", "category": "life", "poll": poll})
    assert response.status_code == 400, (response.status_code, response.content)
    assert set(response.json()) == {"error"} and {"code", "message"} <= set(response.json()["error"])
    assert client.get_json("/api/v1/me/notes").json()["total"] == before


@pytest.mark.parametrize("patch", [
    {"content_warning": "\ud800"}, {"content_warning": "x" * 31}, {"content_warning": 5}, {"content_warning": None},
    {"title": None}, {"content": "\ud800"},
])
def test_malformed_edits_are_4xx_and_leave_no_revision(scene, patch):
    nid = scene["note"]["id"]
    response = scene["op_client"].patch_json(f"/api/v1/notes/{nid}", patch)
    assert 400 <= response.status_code < 500, (response.status_code, response.content)
    assert set(response.json()) == {"error"}
    assert len(ApiClient().get_json(f"/api/v1/notes/{nid}/revisions").json()) == 1


@pytest.mark.parametrize("number", ["0", "-1", "2147483648", "99999999999999999999999", "abc"])
def test_bad_note_numbers_are_4xx(scene, number):
    response = ApiClient().get_json(f"/api/v1/notes/by-number/{number}")
    assert response.status_code in (400, 404), (response.status_code, response.content)
    assert set(response.json()) == {"error"}
    assert Client().get(f"/n/{number}").status_code == 404


@pytest.mark.parametrize("anonymous", ["false", "no", 0, "0", None, "on"])
def test_anonymous_must_be_a_json_boolean(scene, anonymous):
    """Whether a note names its author is never guessed from a string or a number: only a JSON
    boolean (or leaving it out: anonymous) decides."""
    client = scene["op_client"]
    before = client.get_json("/api/v1/me/notes").json()["total"]
    response = client.post_json("/api/v1/notes", {"title": "类型", "content": "内容", "category": "life",
                                                  "anonymous": anonymous})
    assert_error(response, 400, "invalid", "anonymous")
    assert client.get_json("/api/v1/me/notes").json()["total"] == before
    left_out = client.post_json("/api/v1/notes", {"title": "类型", "content": "内容", "category": "life"})
    assert left_out.status_code == 201 and left_out.json()["author"]["anonymous"] is True


@pytest.mark.parametrize("form", [
    {}, {"option": "abc"}, {"option": "99999999999999999999999"}, {"option": "-1"}, {"withdraw": "1"},
    {"option": [str(n) for n in range(1, 500)]}, {"option": "0x10"},
])
def test_the_poll_page_form_takes_garbage_without_a_500(scene, form):
    page_client = Client()
    page_client.force_login(scene["alice"])
    nid = scene["note"]["id"]
    response = page_client.post(f"/notes/{nid}/poll/", form)
    assert response.status_code == 302, (response.status_code, response.content[:300])
    assert ApiClient().get_json(f"/api/v1/notes/{nid}").json()["poll"]["total_voters"] == 2
    assert page_client.post("/notes/abc/poll/", form).status_code == 404
    assert Client().post(f"/notes/{nid}/poll/", form).status_code == 302  # signed out: to the login


def test_the_poll_page_form_refuses_another_notes_option(scene):
    other = scene["op_client"].post_json("/api/v1/notes", {
        "title": "另一个投票", "content": "内容", "category": "study",
        "poll": {"question": "选哪个", "options": ["甲", "乙"]}}).json()
    page_client = Client()
    page_client.force_login(scene["alice"])
    nid = scene["note"]["id"]
    response = page_client.post(f"/notes/{nid}/poll/", {"option": other["poll"]["options"][0]["id"]})
    assert response.status_code == 302
    for note_id in (nid, other["id"]):
        poll = token_client(scene["alice"]).get_json(f"/api/v1/notes/{note_id}").json()["poll"]
        assert poll["my_choices"] == []


@pytest.mark.parametrize("header", ["Bearer garbage", "Bearer " + "x" * 10_000, "Bearer", "Basic Zm9vOmJhcg==",
                                    "Bearer a.b.c", "Bearer \u00e9"])
def test_bad_bearer_tokens_on_the_new_endpoints_are_4xx_in_the_error_shape(scene, header):
    nid = scene["note"]["id"]
    for method, path in (("get", "/api/v1/notifications"), ("get", "/api/v1/notifications/unread-count"),
                         ("get", "/api/v1/me/following"), ("get", "/api/v1/me/bookmarks"), ("get", "/api/v1/me/export"),
                         ("get", "/api/v1/me/filters"), ("put", f"/api/v1/notes/{nid}/follow"),
                         ("get", f"/api/v1/notes/{nid}/revisions"), ("get", f"/api/v1/notes/{nid}/comments?only_author=true")):
        response = getattr(Client(), method)(path, HTTP_AUTHORIZATION=header)
        assert_error(response, 401, "unauthenticated")
        assert_clean(raw(response), scene["op"])


def test_a_hidden_notes_history_is_as_hidden_as_the_note(scene, staff):
    """An author who wrote something that identified them and edited it out relies on moderation
    hiding the note: its earlier versions must then go with it (they hold the removed words)."""
    from moderation import services as moderation
    from moderation.models import Case

    nid = scene["note"]["id"]
    moderation.report_create(reporter=scene["bob"], target_type="note", target_id=int(nid), reason="privacy")
    moderation.case_hide(case=Case.objects.get(target_type="note", target_id=int(nid)), moderator=staff, reason="隐私")
    page_client = Client()
    page_client.force_login(scene["alice"])
    for client in (ApiClient(), token_client(scene["alice"])):
        assert_error(client.get_json(f"/api/v1/notes/{nid}/revisions"), 404, "not_found")
        assert_error(client.get_json(f"/api/v1/notes/{nid}"), 404, "not_found")
    for client in (Client(), page_client):
        response = client.get(f"/notes/{nid}/revisions/")
        assert response.status_code == 404 and "第一版的心里话".encode() not in response.content
    search = ApiClient().get_json("/api/v1/notes/search", {"q": "第一版"}).json()
    assert search["total"] == 0


def test_search_forgets_the_words_an_edit_removed(scene):
    """Text the author edited out (a name, a dorm) is no longer a way to find the note."""
    assert ApiClient().get_json("/api/v1/notes/search", {"q": "第一版"}).json()["total"] == 0
    found = ApiClient().get_json("/api/v1/notes/search", {"q": "第二版"}).json()
    assert [row["id"] for row in found["results"]] == [scene["note"]["id"]]


def test_the_authors_notification_pages_name_the_thread_aliases_only(scene):
    """The anonymous thread's other writers are aliases to the author as well: the bell, the
    notifications page and the note they open carry none of alice's or bob's identity."""
    page_client = Client()
    page_client.force_login(scene["op"])
    listing = page_client.get("/notifications/")
    assert listing.status_code == 200 and b"Alice" in listing.content
    opened = [page_client.get(f"/notifications/{row['id']}/", follow=True)
              for row in scene["op_client"].get_json("/api/v1/notifications").json()["results"]]
    assert opened and all(response.status_code == 200 for response in opened)
    blob = raw(listing) + b"".join(raw(response) for response in opened) + raw(page_client.get("/me/following/"))
    for someone in (scene["alice"], scene["bob"]):
        assert_clean(blob, someone)


@pytest.mark.parametrize("body", [b"", b"{", b"null", b"[]", b'"x"', b"1e999999", b"[" * 5000 + b"]" * 5000,
                                  b'{"a": "\\ud800"}', b"\xff\xfe", b'{"option_ids": [' + b'"1",' * 20000 + b'"1"]}'])
def test_broken_bodies_on_the_new_write_endpoints_are_4xx_in_the_error_shape(scene, body):
    client = token_client(scene["alice"])
    nid = scene["note"]["id"]
    for method, path in (("put", f"/api/v1/notes/{nid}/poll/vote"), ("put", "/api/v1/me/filters"),
                         ("post", "/api/v1/notifications/read"), ("delete", "/api/v1/me"),
                         ("patch", f"/api/v1/notes/{nid}")):
        response = getattr(client, method)(path, body, content_type="application/json",
                                           HTTP_AUTHORIZATION=f"Bearer {client.token}")
        assert 400 <= response.status_code < 500, (path, response.status_code, response.content[:300])
        assert set(response.json()) == {"error"} and response.json()["error"]["message"], (path, response.content)
    scene["alice"].refresh_from_db()
    assert scene["alice"].deleted_at is None


def test_comment_search_never_reaches_into_an_anonymous_thread(scene):
    """包括评论 searches signed notes' comments only: an anonymous thread's comments are found
    neither by their words nor by their writers' names (notes/search), even when the same
    members also comment under a signed note, where they are found by name."""
    signed = scene["op_client"].post_json("/api/v1/notes", {
        "title": "署名求助", "content": "有人在吗", "category": "help", "anonymous": False}).json()
    comment_create(user=scene["alice"], note_id=int(signed["id"]), content="我在这里陪你")
    for client in (ApiClient(), token_client(scene["bob"])):
        for q in ("抱抱你", "拥抱", "alicereader", "bobreader"):
            found = client.get_json("/api/v1/notes/search", {"q": q, "comments": "true"})
            assert scene["note"]["id"].encode() not in found.content, q
        by_name = client.get_json("/api/v1/notes/search", {"q": "alicereader", "comments": "true"}).json()
        assert [row["id"] for row in by_name["results"]] == [signed["id"]]
    page = Client().get("/notes/search/", {"q": "抱抱你", "comments": "1"})
    assert page.status_code == 200 and "今晚好难过".encode() not in page.content


def test_the_authors_exemption_from_their_own_filter_reaches_nobody_with_the_same_filter(scene):
    """The author's own notes are never hidden from them; a member muting the same words must
    still not see that note — were the author's list shared through a cache keyed by the filter,
    the one note that shows despite the filter would also tell whose it is."""
    carol_user = make_user("carolfilter")
    carol, op = token_client(carol_user), scene["op_client"]
    same = {"muted_categories": [], "muted_keywords": ["心里话"], "fold_warnings": True}
    for client in (op, carol):
        assert client.put_json("/api/v1/me/filters", same).status_code == 200
    nid = scene["note"]["id"]
    for path in ("/api/v1/notes", "/api/v1/notes?order=new", "/api/v1/notes?category=emotion"):
        assert nid in [row["id"] for row in op.get_json(path).json()["results"]], path
        assert nid not in [row["id"] for row in carol.get_json(path).json()["results"]], path
    page_client = Client()
    page_client.force_login(carol_user)
    for path in ("/", "/?order=new"):
        assert "今晚好难过".encode() not in page_client.get(path).content, path


def test_signed_in_answers_are_never_stored_by_a_cache(scene):
    """The author's own page marks their anonymous note as theirs (is_me, 我的选择): a browser or
    proxy cache must not keep it for the next person at the same computer."""
    nid = scene["note"]["id"]
    page_client = Client()
    page_client.force_login(scene["op"])
    answers = [page_client.get(path) for path in ("/", f"/notes/{nid}/", f"/notes/{nid}/revisions/", "/notifications/",
                                                   "/me/following/", "/me/bookmarks/", "/api/v1/notifications")]
    answers += [scene["op_client"].get_json(path) for path in (
        "/api/v1/notes", f"/api/v1/notes/{nid}", f"/api/v1/notes/{nid}/comments", "/api/v1/notifications",
        "/api/v1/me/following", "/api/v1/me")]
    for response in answers:
        assert response.status_code == 200
        directives = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives, (response.request["PATH_INFO"], response["Cache-Control"])
    assert scene["op_client"].get_json("/api/v1/me/export")["Cache-Control"] == "no-store, private"
