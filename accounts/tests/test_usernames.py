"""Issue 14 #11: names that impersonate — reserved words, the comment aliases, and Unicode
look-alikes of existing names — are refused at every door that sets a name, and "no two names
look alike" is a unique index of the database."""

import importlib

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from accounts.models import User
from accounts.services import user_update_profile
from accounts.usernames import is_reserved, skeleton
from treehole.errors import Conflict, InvalidInput
from treehole.testing import assert_error, make_user, token_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", [
    "洞主", "管理员", "admin", "Admin", "ADMINISTRATOR", "system", "staff", "匿名", "Alice", "bob", "Zoe",
    "admin_1", "1洞主", "аdmin",  # Cyrillic а
])
def test_reserved_names_are_refused_on_the_api(name):
    client = token_client(make_user("someone"))
    assert_error(client.patch_json("/api/v1/me", {"username": name}), 400, "invalid", "username")
    assert User.objects.get(username="someone")


def test_every_comment_alias_is_reserved():
    from comments.aliases import NAMES

    assert all(is_reserved(name) for name in NAMES)
    assert not is_reserved("小明") and not is_reserved("alicia") and not is_reserved("bobby")


@pytest.mark.parametrize("lookalike", [
    "m\u0430ria1",  # Cyrillic а
    "MARIAl",  # l for 1, and case
    "ｍａｒｉａ１",  # full-width
    "mar\u0456a1",  # Cyrillic і
    "rnaria1",  # rn for m
])
def test_lookalikes_of_an_existing_name_are_a_conflict(lookalike):
    make_user("maria1")
    client = token_client(make_user("someone2"))
    assert skeleton(lookalike) == skeleton("maria1")
    assert_error(client.patch_json("/api/v1/me", {"username": lookalike}), 409, "conflict", "username")
    assert User.objects.filter(username="someone2").exists()


def test_the_skeleton_is_unicodes():
    assert skeleton("\u0430lice") == skeleton("alice") == "alice"
    assert skeleton("b0b") == skeleton("BOB")
    assert skeleton("rn") == skeleton("m")
    assert skeleton("小明") == "小明"
    assert skeleton("𠀀x") != skeleton("𠀁x")  # outside the BMP: kept apart (digest), not equal by collation


def test_registration_refuses_a_lookalike(api_client):
    from django.core import mail

    make_user("nadia9")
    api_client.post_json("/api/v1/auth/email-code", {"email": "new@example.com", "purpose": "register"})
    import re

    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].subject).group(1)
    body = {"email": "new@example.com", "code": code, "username": "n\u0430dia9", "password": "another-Secret-42x"}
    assert_error(api_client.post_json("/api/v1/auth/register", body), 409, "conflict", "username")
    body["username"] = "洞主"
    assert_error(api_client.post_json("/api/v1/auth/register", body), 400, "invalid", "username")
    body["username"] = "nadia10"
    assert api_client.post_json("/api/v1/auth/register", body).status_code == 201


def test_the_profile_page_refuses_a_reserved_name():
    user = make_user("pageuser")
    browser = Client()
    browser.force_login(user)
    response = browser.post("/accounts/me/edit/", {"username": "管理员", "gender": "unknown", "bio": ""})
    assert response.status_code == 200 and "保留" in response.content.decode()
    user.refresh_from_db()
    assert user.username == "pageuser"


def test_the_database_refuses_two_lookalikes_whoever_writes():
    make_user("dave7")
    twin = User(username="d\u0430ve7", email="twin@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


def test_the_skeleton_follows_a_rename():
    user = make_user("erin5")
    user_update_profile(user=user, username="erin6")
    user.refresh_from_db()
    assert user.username_skeleton == skeleton("erin6")
    make_user("erin5", email="erin5b@example.com")  # the old name is free again


def test_a_member_keeps_their_own_name_and_lookalike_of_it():
    user = make_user("quinn5")
    assert user_update_profile(user=user, username="Quinn5").username == "Quinn5"


def test_the_admin_form_says_so_instead_of_500():
    staff = make_user("boss9", is_staff=True, is_superuser=True)
    make_user("gina5")
    admin = Client()
    admin.force_login(staff)
    response = admin.post("/admin/accounts/user/add/", {
        "username": "g\u0456na5", "email": "g2@example.com", "password1": "another-Secret-42x",
        "password2": "another-Secret-42x", "usable_password": "true",
    })
    assert response.status_code == 200 and "太像" in response.content.decode()


def test_the_backfill_keeps_the_older_of_two_lookalikes():
    migration = importlib.import_module("accounts.migrations.0004_username_skeleton")
    older = make_user("hank5")
    younger = make_user("h\u0430nk5x")
    User.objects.filter(pk=younger.pk).update(username="h\u0430nk5", username_skeleton=None)
    User.objects.filter(pk=older.pk).update(username_skeleton=None)
    from django.apps import apps

    migration.backfill(apps, None)
    older.refresh_from_db()
    younger.refresh_from_db()
    assert older.username_skeleton == skeleton("hank5") and younger.username_skeleton is None


def test_service_errors_are_the_contracts():
    user = make_user("ivan5x")
    with pytest.raises(InvalidInput):
        user_update_profile(user=user, username="system")
    make_user("jack5")
    with pytest.raises(Conflict):
        user_update_profile(user=user, username="j\u0430ck5")
