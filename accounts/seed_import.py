"""accounts' step of ``manage.py import_seed``: the seed's ``user_basic`` rows become accounts with
their ids, e-mail addresses and password hashes (accounts/hashers.py) kept."""

from __future__ import annotations

from accounts import services
from accounts.hashers import SEED_DIGEST
from accounts.models import Gender, User
from accounts.selectors import normalize_email
from treehole.seedimport import BadRow, ImportReport, SeedSource, clean, decode, import_table, imported, seed_id, skipped, sonyflake_time
from treehole.text import TextKind

COLUMNS = "id, deleted_at, identity, username, password, email, age, sex"
GENDERS = {1: Gender.MALE, 2: Gender.FEMALE}  # the seed's sex: 0 unspecified, 1 male, 2 female


def import_user(row: dict, *, source: SeedSource, report: ImportReport):
    if row["deleted_at"] is not None:
        return skipped("deleted in the seed")
    user_id = seed_id(row["identity"], what="identity")
    email = normalize_email(clean(row["email"], what="email", kind=TextKind.LINE, required=True))
    existing = User.objects.filter(pk=user_id).values_list("email", flat=True).first()
    if existing is not None:
        if existing == email:
            return skipped("already imported")
        raise BadRow(f"id {user_id} belongs to another account here")
    digest = decode(row["password"], what="password").strip()
    if not SEED_DIGEST.match(digest):
        raise BadRow("password is not the seed's hash (32 hexadecimal digits): the account could never sign in")
    username = clean(row["username"], what="username", kind=TextKind.LINE)
    age = row["age"] if isinstance(row["age"], int) and 1 <= row["age"] <= 150 else None
    user, renamed = services.user_import(
        user_id=user_id,
        username=username,
        email=email,
        password_hash=services.seed_password_hash(digest, salt=source.options.salt),
        gender=GENDERS.get(row["sex"], Gender.UNKNOWN),
        age=age,
        date_joined=sonyflake_time(user_id),
    )
    if renamed:
        report.note(report.kind("users"), str(user_id), f"username {username!r} is not allowed here: now {user.username!r}")
    return imported()


def seed_import_step(source: SeedSource, report: ImportReport) -> None:
    """The ``seed_import`` hook (first: every other row belongs to a user)."""
    import_table(source, report, "users", "user_basic", COLUMNS, lambda row: import_user(row, source=source, report=report))
