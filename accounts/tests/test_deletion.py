"""Account deletion (DELETE /api/v1/me and the 注销账号 page): the account goes; its anonymous notes
and comments stay anonymous (not one byte about who wrote them, before or after), its signed ones
show 已注销用户; sessions, tokens, sockets, follows, bookmarks, filters and uploads go with it; the
same e-mail registers a new person; a wrong password changes nothing and attempts are limited."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.contrib.sessions.models import Session
from django.test import Client

from accounts import deletion
from accounts.models import LoginLock, UsedRefreshToken, User
from accounts.serializers import DELETED_DISPLAY_NAME
from accounts.tokens import issue_pair
from chat.models import ChatMessage
from chat.services import chat_message_send
from comments.models import Comment, NoteAlias
from comments.services import comment_create
from notes.models import Bookmark, Follow, Note, NoteFilter, Vote
from notes.services import note_bookmark, note_filter_save, note_follow, note_vote
from treehole.testing.search import engine  # noqa: F401 - fixture
from treehole import hooks
from treehole.testing import DEFAULT_PASSWORD, ApiClient, assert_error, make_note, make_user, token_client
from treehole.testing.files import png_bytes
from uploads.models import Image
from uploads.services import image_create

pytestmark = pytest.mark.django_db

URL = "/api/v1/me"


@pytest.fixture(autouse=True)
def _defaults(fast_hasher, generous_limits, categories):
    pass


@pytest.fixture
def leaver(db):
    return make_user("leaver", email="Leaver@Example.com", bio="我的简介")


@pytest.fixture
def world(leaver, author, other):
    """What the leaver wrote and chose, among other people's things."""
    others_note = make_note(author, title="别人的帖子", content="大家怎么看", anonymous=False)
    others_anonymous = make_note(author, title="别人的匿名帖", content="说点心事")
    world = {
        "anonymous_note": make_note(leaver, title="匿名的心事", content="没人知道是我"),
        "signed_note": make_note(leaver, title="署名的帖子", content="我是谁大家都知道", anonymous=False),
        "others_note": others_note,
        "others_anonymous": others_anonymous,
        "chat": chat_message_send(user_id=leaver.pk, content="聊天室里的一句话"),
    }
    world["signed_comment"] = comment_create(user=leaver, note_id=others_note.pk, content="署名的评论")
    world["alias_comment"] = comment_create(user=leaver, note_id=others_anonymous.pk, content="匿名的评论")
    world["reply"] = comment_create(user=other, note_id=others_note.pk, content="回复你",
                                    reply_to_id=world["signed_comment"].pk)
    return world


def delete(client, password=DEFAULT_PASSWORD, **extra):
    return client.delete_json(URL, {"password": password, **extra})


def secrets_of(user: User) -> list[bytes]:
    """Everything that would tie a response to the account."""
    return [value.encode() for value in (user.username, user.email, user.email.lower(), str(user.pk), user.bio) if value]


# --- The API --------------------------------------------------------------------------------------

def test_delete_answers_204_and_the_account_is_gone(leaver, world):
    old = User.objects.get(pk=leaver.pk)
    client = token_client(leaver)
    pair = issue_pair(leaver)
    response = delete(client)
    assert response.status_code == 204 and response.content == b""
    row = User.objects.get(pk=leaver.pk)  # the tombstone
    assert row.deleted_at is not None and not row.is_active and not row.has_usable_password()
    assert row.username != old.username and row.email.endswith("@deleted.invalid") and old.email.lower() not in row.email
    assert (row.bio, row.age, row.avatar_id, row.last_login, row.is_staff) == ("", None, None, None, False)
    assert row.token_version == old.token_version + 1
    # Every token is refused, and nobody can sign in as them by e-mail or by name.
    assert_error(client.get_json(URL), 401, "unauthenticated")
    assert ApiClient().post_json("/api/v1/auth/refresh", {"refresh": pair["refresh"]}).status_code == 401
    for login in (old.email, old.username):
        assert ApiClient().post_json("/api/v1/auth/login", {"login": login, "password": DEFAULT_PASSWORD}).status_code == 401


@pytest.mark.parametrize("password", ["wrong-password-1", ""])
def test_a_wrong_or_missing_password_is_a_400_and_changes_nothing(leaver, world, password):
    client = token_client(leaver)
    response = delete(client, password=password)
    assert_error(response, 400, "invalid", "password")
    row = User.objects.get(pk=leaver.pk)
    assert row.deleted_at is None and row.is_active and row.username == "leaver"
    assert Follow.objects.filter(user=leaver).exists()
    assert client.get_json(URL).status_code == 200


def test_the_password_is_required_and_the_caller_signed_in(leaver):
    response = token_client(leaver).delete_json(URL, {})
    assert_error(response, 400, "invalid", "password")
    assert_error(delete(ApiClient()), 401, "unauthenticated")


def test_attempts_are_rate_limited(leaver, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "account_delete": (0.0001, 2)}
    client = token_client(leaver)
    for _ in range(2):
        assert delete(client, password="nope-nope-1").status_code == 400
    refused = delete(client)  # even the right password waits now
    assert_error(refused, 429, "rate_limited")
    assert int(refused["Retry-After"]) > 0
    assert User.objects.get(pk=leaver.pk).deleted_at is None


def test_wrong_passwords_count_with_the_login_policy(leaver, settings):
    client = token_client(leaver)
    for _ in range(settings.LOGIN_CAPTCHA_AFTER_FAILURES):
        assert delete(client, password="nope-nope-1").status_code == 400
    # After a few wrong passwords, the captcha is needed, even with the right one.
    assert_error(delete(client), 400, "captcha_required", "captcha_value")
    assert User.objects.get(pk=leaver.pk).deleted_at is None


def test_the_schema_documents_the_endpoint(api_client):
    schema = api_client.get_json("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/me"]["delete"]
    assert "204" in operation["responses"] and "400" in operation["responses"] and "429" in operation["responses"]
    assert schema["components"]["schemas"]["AccountDeleteIn"]["required"] == ["password"]


# --- What stays, and how it looks -------------------------------------------------------------------

def test_anonymous_content_stays_anonymous_and_reveals_nothing(leaver, world, other):
    old = User.objects.get(pk=leaver.pk)
    note, others_anonymous = world["anonymous_note"], world["others_anonymous"]
    reader = token_client(other)
    alias_before = reader.get_json(f"/api/v1/notes/{others_anonymous.pk}/comments").json()["results"][0]["author"]
    assert delete(token_client(leaver)).status_code == 204

    assert Note.objects.filter(pk=note.pk, anonymous=True, author_id=leaver.pk).exists()  # kept, same FK
    answers = [
        reader.get_json(f"/api/v1/notes/{note.pk}"),
        reader.get_json("/api/v1/notes", {"order": "new", "size": 50}),
        reader.get_json(f"/api/v1/notes/{others_anonymous.pk}/comments"),
        ApiClient().get_json(f"/api/v1/notes/{note.pk}"),
        Client().get(f"/notes/{note.pk}/"),
        Client().get(f"/notes/{others_anonymous.pk}/"),
        Client().get("/", {"order": "new"}),
    ]
    for response in answers:
        assert response.status_code == 200
        for secret in secrets_of(old):
            assert secret not in response.content, (secret, response.request["PATH_INFO"])
    body = reader.get_json(f"/api/v1/notes/{note.pk}").json()
    assert body["author"] == {"display_name": "洞主", "avatar_url": None, "anonymous": True, "is_me": False}
    assert body["title"] == "匿名的心事"
    # Their floor on someone else's anonymous note keeps its alias: nothing about it changed.
    alias_after = reader.get_json(f"/api/v1/notes/{others_anonymous.pk}/comments").json()["results"][0]["author"]
    assert alias_after == alias_before
    assert NoteAlias.objects.filter(user_id=leaver.pk).exists()


def test_signed_content_shows_a_deleted_user(leaver, world, other):
    old = User.objects.get(pk=leaver.pk)
    reader = token_client(other)
    # Cached before the deletion (cards, threads, the chat list) so the test proves they are redone.
    reader.get_json("/api/v1/notes", {"order": "new"})
    reader.get_json(f"/api/v1/notes/{world['others_note'].pk}/comments")
    reader.get_json("/api/v1/chat/messages")
    assert delete(token_client(leaver)).status_code == 204

    deleted_author = {"display_name": DELETED_DISPLAY_NAME, "avatar_url": None, "anonymous": False, "is_me": False,
                      "deleted": True}
    assert reader.get_json(f"/api/v1/notes/{world['signed_note'].pk}").json()["author"] == deleted_author
    listed = {n["id"]: n for n in reader.get_json("/api/v1/notes", {"order": "new"}).json()["results"]}
    assert listed[str(world["signed_note"].pk)]["author"] == deleted_author
    thread = reader.get_json(f"/api/v1/notes/{world['others_note'].pk}/comments").json()["results"]
    assert thread[0]["content"] == "署名的评论"
    assert thread[0]["author"] == {**deleted_author, "is_note_author": False}
    assert thread[1]["reply_to"] == {"id": str(world["signed_comment"].pk), "floor": 1, "display_name": DELETED_DISPLAY_NAME}
    messages = reader.get_json("/api/v1/chat/messages").json()["results"]
    assert [(m["content"], m["user"]) for m in messages] == [
        ("聊天室里的一句话", {"id": "0", "username": DELETED_DISPLAY_NAME, "avatar_url": None})]
    pages = [Client().get(f"/notes/{world['signed_note'].pk}/"), Client().get(f"/notes/{world['others_note'].pk}/"),
             reader.get_json("/api/v1/notes", {"order": "new"}), reader.get_json("/api/v1/chat/messages"),
             reader.get_json(f"/api/v1/notes/{world['others_note'].pk}/comments")]
    for response in pages:
        for secret in secrets_of(old):
            assert secret not in response.content, secret
    assert DELETED_DISPLAY_NAME in pages[0].content.decode() and DELETED_DISPLAY_NAME in pages[1].content.decode()


def test_search_by_the_old_username_finds_nothing(engine, leaver, world, other):
    assert delete(token_client(leaver)).status_code == 204
    found = token_client(other).get_json("/api/v1/notes/search", {"q": "leaver"}).json()
    assert found["results"] == []
    body = token_client(other).get_json("/api/v1/notes/search", {"q": "署名的帖子"}).content
    assert b"leaver" not in body and str(leaver.pk).encode() not in body


def test_what_belongs_only_to_the_account_goes(leaver, world, author):
    note_vote(note_id=world["others_note"].pk, user=leaver, value=1)
    note_bookmark(user=leaver, note_id=world["others_note"].pk)
    note_follow(user=leaver, note_id=world["others_note"].pk)
    note_filter_save(user=leaver, muted_categories=["life"], muted_keywords=["考研"], fold_warnings=False)
    avatar = image_create(owner=leaver, data=png_bytes(), purpose="avatar")
    User.objects.filter(pk=leaver.pk).update(avatar=avatar)
    unused = image_create(owner=leaver, data=png_bytes())
    attached = image_create(owner=leaver, data=png_bytes())
    with_image = make_note(leaver, title="有图", content="图还在", image_ids=[attached.pk])
    UsedRefreshToken.objects.create(jti="x" * 20, user=leaver, expires_at="2099-01-01T00:00:00Z")
    LoginLock.objects.create(subject=f"u{leaver.pk}", ip="10.0.0.1", locked_until="2099-01-01T00:00:00Z")
    page = Client()
    page.force_login(User.objects.get(pk=leaver.pk))
    elsewhere = Client()
    elsewhere.force_login(author)
    assert Session.objects.count() == 2

    leaver.refresh_from_db()
    assert delete(token_client(leaver)).status_code == 204

    assert not Follow.objects.filter(user_id=leaver.pk).exists()
    assert not Bookmark.objects.filter(user_id=leaver.pk).exists()
    assert not NoteFilter.objects.filter(user_id=leaver.pk).exists()
    assert not UsedRefreshToken.objects.filter(user_id=leaver.pk).exists()
    assert not LoginLock.objects.filter(subject=f"u{leaver.pk}").exists()
    assert not Image.objects.filter(pk__in=[avatar.pk, unused.pk]).exists()
    assert Image.objects.filter(pk=attached.pk).exists() and Note.objects.filter(pk=with_image.pk).exists()
    assert Session.objects.count() == 1  # their session row went; someone else's stayed
    assert page.get("/accounts/me/").status_code == 302  # that browser is signed out
    assert elsewhere.get("/accounts/me/").status_code == 200
    # Votes stay counted (the score and the counts do not change under other people's feet).
    assert Vote.objects.filter(user_id=leaver.pk, value=1).exists()
    assert Note.objects.get(pk=world["others_note"].pk).approve == 1
    # And their content is all still there.
    assert Comment.objects.filter(author_id=leaver.pk).count() == 2
    assert ChatMessage.objects.filter(user_id=leaver.pk).count() == 1


def test_every_app_owns_its_part_through_the_hook():
    steps = {step.__module__ for step in hooks.get_hooks(deletion.HOOK)}
    assert {"notes.deletion", "comments.deletion", "chat.deletion", "uploads.deletion"} <= steps


def test_the_same_email_registers_a_new_person(leaver, world, settings):
    from accounts import verification

    old_id = leaver.pk
    assert delete(token_client(leaver)).status_code == 204
    client = ApiClient()
    assert client.post_json("/api/v1/auth/email-code", {"email": "leaver@example.com", "purpose": "register"}).status_code == 202
    code = verification.store_code("leaver@example.com", "register")
    response = client.post_json("/api/v1/auth/register", {"email": "leaver@example.com", "code": code,
                                                           "username": "leaver", "password": DEFAULT_PASSWORD})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["user"]["id"] != str(old_id) and body["user"]["username"] == "leaver"
    fresh = ApiClient(token=body["access"])
    assert fresh.get_json("/api/v1/me/notes").json()["total"] == 0
    assert fresh.get_json("/api/v1/me/comments").json()["total"] == 0
    signed = fresh.get_json(f"/api/v1/notes/{world['signed_note'].pk}").json()
    assert signed["author"]["display_name"] == DELETED_DISPLAY_NAME and signed["author"]["is_me"] is False
    anonymous = fresh.get_json(f"/api/v1/notes/{world['anonymous_note'].pk}").json()
    assert anonymous["author"]["is_me"] is False
    # Not theirs to edit or delete.
    assert fresh.delete_json(f"/api/v1/notes/{world['anonymous_note'].pk}").status_code == 403


# --- The page ---------------------------------------------------------------------------------------

def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_profile_links_to_a_page_behind_a_password_prompt(leaver):
    client = signed_in(leaver)
    assert b'href="/accounts/me/delete/"' in client.get("/accounts/me/").content
    page = client.get("/accounts/me/delete/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'type="password"' in html and "注销账号" in html and "已注销用户" in html and "仍然匿名" in html
    assert Client().get("/accounts/me/delete/").status_code == 302  # signed out: to the login


def test_the_page_refuses_a_wrong_password(leaver, world):
    client = signed_in(leaver)
    response = client.post("/accounts/me/delete/", {"password": "wrong-password-1"})
    assert response.status_code == 400
    assert "密码不正确" in response.content.decode()
    assert User.objects.get(pk=leaver.pk).deleted_at is None


def test_the_page_deletes_the_account_and_signs_out(leaver, world, other):
    client = signed_in(leaver)
    response = client.post("/accounts/me/delete/", {"password": DEFAULT_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "你的账号已注销" in response.content.decode()
    assert User.objects.get(pk=leaver.pk).deleted_at is not None
    assert client.get("/accounts/me/").status_code == 302
    note_page = Client().get(f"/notes/{world['signed_note'].pk}/").content.decode()
    assert DELETED_DISPLAY_NAME in note_page and "leaver" not in note_page


# --- Open sockets close ------------------------------------------------------------------------------

@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_open_sockets_close_when_the_account_goes(fast_hasher):
    from accounts.tests.test_websocket import closed_with, joined, probe

    user = await sync_to_async(make_user)("wsleaver")
    socket = probe(token=(await sync_to_async(issue_pair)(user))["access"])
    await joined(socket)
    client = await sync_to_async(token_client)(user)
    response = await sync_to_async(delete)(client)
    assert response.status_code == 204
    await closed_with(socket, 4001, error="token_expired")
    await asyncio.sleep(0)


def test_nobody_can_take_the_deleted_accounts_name(leaver):
    client = token_client(leaver)
    for name in (DELETED_DISPLAY_NAME, "已注销用户1", "已注销"):
        response = client.patch_json(URL, {"username": name})
        assert response.status_code in (400, 409), (name, response.status_code)
        assert "username" in response.json()["error"]["fields"]
    assert User.objects.get(pk=leaver.pk).username == "leaver"
