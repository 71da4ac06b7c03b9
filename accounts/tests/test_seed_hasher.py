"""The Go seed's MD5+salt hashes: checked as imported, replaced by Argon2 at the first sign-in."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher

from accounts.hashers import SeedMD5PasswordHasher, seed_digest
from accounts.models import User
from treehole.seedimport import DEFAULT_SALT
from treehole.testing import ApiClient, assert_error

SEED_PASSWORD = "seed-Password-2023"


def imported_hash(password: str, salt: str = DEFAULT_SALT) -> str:
    """What import_seed stores for a seed row whose ``password`` column holds the seed's hash."""
    return SeedMD5PasswordHasher().encode_seed_hash(seed_digest(password, salt), salt)


def test_seed_digest_is_upper_hex_md5_of_password_then_salt():
    expected = hashlib.md5(f"{SEED_PASSWORD}{DEFAULT_SALT}".encode()).hexdigest().upper()
    assert seed_digest(SEED_PASSWORD, DEFAULT_SALT) == expected
    assert len(expected) == 32


def test_hasher_checks_the_seed_hash_and_refuses_others():
    encoded = imported_hash(SEED_PASSWORD)
    assert encoded.startswith("seed_md5$")
    assert isinstance(identify_hasher(encoded), SeedMD5PasswordHasher)
    assert check_password(SEED_PASSWORD, encoded)
    assert not check_password(SEED_PASSWORD + "x", encoded)
    # The salt is part of the check: the same digest under another site's salt does not match.
    digest = seed_digest(SEED_PASSWORD, DEFAULT_SALT)
    assert not check_password(SEED_PASSWORD, SeedMD5PasswordHasher().encode_seed_hash(digest, "other-salt"))
    # A salt with "$" in it survives the stored form.
    assert check_password(SEED_PASSWORD, imported_hash(SEED_PASSWORD, salt="a$b$c"))
    assert SeedMD5PasswordHasher().must_update(encoded)


@pytest.mark.parametrize("digest", ["", "nothex", "A" * 31, "G" * 32, "0" * 33])
def test_a_broken_seed_hash_is_refused(digest):
    with pytest.raises(ValueError):
        SeedMD5PasswordHasher().encode_seed_hash(digest, DEFAULT_SALT)


@pytest.mark.django_db
def test_first_login_upgrades_the_seed_hash_to_argon2():
    user = User.objects.create(username="seeduser", email="seed@example.com", password=imported_hash(SEED_PASSWORD))
    client = ApiClient()

    wrong = client.post_json("/api/v1/auth/login", {"login": "seeduser", "password": "not-it"})
    assert_error(wrong, 401, "invalid_credentials")
    user.refresh_from_db()
    assert user.password.startswith("seed_md5$")  # a failed attempt changes nothing

    response = client.post_json("/api/v1/auth/login", {"login": "seed@example.com", "password": SEED_PASSWORD})
    assert response.status_code == 200, response.content
    assert response.json()["user"]["id"] == str(user.pk)
    user.refresh_from_db()
    assert user.password.startswith("argon2$")
    assert seed_digest(SEED_PASSWORD, DEFAULT_SALT) not in user.password

    again = ApiClient().post_json("/api/v1/auth/login", {"login": "seeduser", "password": SEED_PASSWORD})
    assert again.status_code == 200
