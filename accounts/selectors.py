"""Reads for accounts."""

from __future__ import annotations

from accounts.models import User


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def user_find_by_login(login: str) -> User | None:
    """The user whose e-mail (if ``login`` has an @) or username matches, case-insensitively."""
    login = (login or "").strip()
    if not login:
        return None
    lookup = {"email__iexact": normalize_email(login)} if "@" in login else {"username__iexact": login}
    return User.objects.select_related("avatar").filter(**lookup).first()


def user_email_taken(email: str) -> bool:
    return User.objects.filter(email__iexact=normalize_email(email)).exists()


def user_username_taken(username: str, *, exclude_id: int | None = None) -> bool:
    query = User.objects.filter(username__iexact=username.strip())
    if exclude_id is not None:
        query = query.exclude(pk=exclude_id)
    return query.exists()


def user_username_lookalike_taken(username: str, *, exclude_id: int | None = None) -> bool:
    """Another member's name has the same confusable skeleton (``аlice`` against ``alice``)."""
    from accounts.usernames import skeleton

    query = User.objects.filter(username_skeleton=skeleton(username))
    if exclude_id is not None:
        query = query.exclude(pk=exclude_id)
    return query.exists()
