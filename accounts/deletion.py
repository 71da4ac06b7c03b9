"""Account deletion (``DELETE /api/v1/me`` and the profile's 注销账号 page).

What happens, in one transaction (docs/your-data.md says it for members):

- every app removes the member's own rows that only make sense with an account — follows,
  bookmarks, filters, avatar and unused uploads, … — through the ``user_delete`` hook:
  ``step(user)`` runs inside the transaction and schedules its Redis work with ``after_commit``;
- what they wrote for others stays: anonymous notes and comments exactly as they were (still
  洞主 / the same alias — nothing about them changes, so nothing can be learnt from the change),
  signed notes, comments and chat messages shown as written by 已注销用户 (``DELETED_DISPLAY_NAME``),
  votes and poll ballots counted as before;
- the ``User`` row becomes a **tombstone**: it keeps its primary key (so every foreign key of the
  content it wrote stays valid, MariaDB's constraints included, and anonymous aliases stay
  stable) and ``deleted_at``, and loses everything else — a random username and e-mail on
  ``deleted.invalid`` (so the real ones are free: registering with the same address makes a new
  person with a new id and none of the old content), an unusable password, no profile, no staff
  rights, ``is_active`` false;
- sessions, tokens and sockets end: the token version is bumped (every JWT and page session is
  refused, open sockets close with 4001 on commit), refresh-token records and login locks go, and
  the session rows are deleted by a background task.

Why a tombstone rather than deleting the row: ``ON DELETE CASCADE`` would take the anonymous notes
with it (the issue says they stay), ``SET NULL`` would merge every deleted author of a thread into
one "nobody" and re-number their aliases — a visible change on exactly the content that must not
change. The tombstone holds nothing that identifies anyone.
"""

from __future__ import annotations

import secrets

from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import F

from accounts import verification
from accounts.models import Gender, LoginLock, UsedRefreshToken, User
from treehole import clock, hooks
from treehole.effects import Repair, after_commit

HOOK = "user_delete"
DELETED_DOMAIN = "deleted.invalid"  # RFC 2606: can never be a real address


def user_delete(*, user: User, password: str, ip: str, captcha_key: str | None = None,
                captcha_value: str | None = None) -> None:
    """Delete the member's account after checking their password through the one password policy
    for signed-in doors (``services.user_password_confirm``: a wrong one is a 400 on ``password`` and changes nothing; the
    captcha after a few, a lock after more — failures add up with the login's). The doors also
    rate-limit the attempts (``RATE_LIMITS["account_delete"]``)."""
    from accounts.services import user_password_confirm

    user_password_confirm(user=user, password=password, ip=ip, captcha_key=captcha_key, captcha_value=captcha_value)
    with transaction.atomic():
        row = User.objects.select_for_update().get(pk=user.pk)
        for step in hooks.get_hooks(HOOK):
            step(user=row)
        _tombstone(row)
        UsedRefreshToken.objects.filter(user_id=row.pk).delete()
        LoginLock.objects.filter(subject=f"u{row.pk}").delete()
        _revoke_on_commit(row)
    user.refresh_from_db()


def _tombstone(row: User) -> None:
    token = secrets.token_hex(8)
    now = clock.now()
    row.username = f"deleted-{token}"
    row.email = f"{token}@{DELETED_DOMAIN}"
    row.set_unusable_password()
    row.first_name = row.last_name = ""
    row.avatar = None
    row.gender = Gender.UNKNOWN
    row.age = None
    row.bio = ""
    row.is_active = row.is_staff = row.is_superuser = False
    row.is_banned, row.banned_until = False, None
    row.last_login = None
    row.date_joined = now  # when it joined is theirs too; the tombstone only knows when it ended
    row.deleted_at = now
    row.token_version = F("token_version") + 1
    row.save()
    row.refresh_from_db(fields=["token_version"])
    row.groups.clear()
    row.user_permissions.clear()


def _revoke_on_commit(row: User) -> None:
    from accounts.tasks import sessions_delete_for_user
    from accounts.websocket import sockets_revoke_user

    user_id, version = row.pk, row.token_version
    after_commit(lambda: sockets_revoke_user(user_id=user_id, version=version),
                 repair=Repair(verification.token_version_forget, user_id))
    after_commit(lambda: sessions_delete_for_user(user_id))


def sessions_delete(user_id: int, *, batch: int = 500) -> int:
    """Delete the session rows of one user (they are already refused: the token version changed).
    Django keeps no index from a user to their sessions, so the live ones are read a batch at a
    time and decoded; returns how many were deleted."""
    wanted, found, deleted = str(user_id), [], 0
    for session in Session.objects.filter(expire_date__gt=clock.now()).iterator(chunk_size=batch):
        if session.get_decoded().get("_auth_user_id") == wanted:
            found.append(session.session_key)
        if len(found) >= batch:
            deleted += Session.objects.filter(session_key__in=found).delete()[0]
            found = []
    if found:
        deleted += Session.objects.filter(session_key__in=found).delete()[0]
    return deleted
