"""The password hash of accounts imported from the Go seed (``manage.py import_seed``).

The seed stores ``upper(hex(md5(password + salt)))`` with one salt for every account (its
``md5.salt`` setting). That is far too weak to keep, but nobody's password is known, so the
importer stores each hash as ``seed_md5$<base64 of the salt>$<the seed's hex digest>`` and this
hasher checks it. It is listed after Argon2 in ``PASSWORD_HASHERS``, so Django re-hashes the
password with Argon2 on the first successful sign-in (``check_password``'s setter) and the MD5
hash is gone for good; ``must_update`` says so for any code that asks.

The salt travels inside the stored hash (base64, because the seed's salt may hold ``$``): a
hash keeps working whatever the settings of the importing site say later.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_noop as _

SEED_DIGEST = re.compile(r"^[0-9A-Fa-f]{32}$")


def seed_digest(password: str, salt: str) -> str:
    """The seed's own hash of ``password`` (``utils.MakePassword``: MD5 of password + salt, hex, upper case)."""
    return hashlib.md5((password + salt).encode()).hexdigest().upper()


class SeedMD5PasswordHasher(BasePasswordHasher):
    """Checks (never creates, except for tests) the Go seed's unsalted-per-user MD5 hashes."""

    algorithm = "seed_md5"

    @staticmethod
    def _salt_field(salt: str) -> str:
        return base64.urlsafe_b64encode(salt.encode()).decode()

    def encode_seed_hash(self, digest: str, salt: str) -> str:
        """The stored form of a hash read from the seed's ``user_basic.password``."""
        if not SEED_DIGEST.match(digest or ""):
            raise ValueError("a seed password hash is 32 hexadecimal digits")
        return f"{self.algorithm}${self._salt_field(salt)}${digest.upper()}"

    def encode(self, password, salt):
        # BasePasswordHasher's salt checks (no "$", a minimum entropy) do not apply: the salt is
        # the seed's global setting, base64-encoded in the stored form.
        if password is None:
            raise TypeError("password must be provided.")
        return self.encode_seed_hash(seed_digest(password, salt), salt)

    def decode(self, encoded):
        algorithm, salt_field, digest = encoded.split("$", 2)
        assert algorithm == self.algorithm
        try:
            salt = base64.urlsafe_b64decode(salt_field.encode()).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            salt = None
        return {"algorithm": algorithm, "hash": digest, "salt": salt}

    def verify(self, password, encoded):
        decoded = self.decode(encoded)
        if decoded["salt"] is None or not SEED_DIGEST.match(decoded["hash"]):
            return False
        return constant_time_compare(seed_digest(password, decoded["salt"]), decoded["hash"].upper())

    def safe_summary(self, encoded):
        decoded = self.decode(encoded)
        return {
            _("algorithm"): decoded["algorithm"],
            _("salt"): mask_hash(decoded["salt"] or "", show=2),
            _("hash"): mask_hash(decoded["hash"]),
        }

    def must_update(self, encoded):
        return True  # always: an MD5 hash is kept only until its owner signs in once

    def harden_runtime(self, password, encoded):
        pass
