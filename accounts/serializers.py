"""Plain-dict views of users, shared by every API that shows one (IDs as strings)."""

from __future__ import annotations


def user_private(user) -> dict:
    return {
        "id": str(user.pk),
        "username": user.username,
        "email": user.email,
        "avatar_url": user.avatar_url,
        "gender": user.gender,
        "age": user.age,
        "bio": user.bio,
        "date_joined": user.date_joined,
        "is_staff": user.is_staff,
    }


# What a deleted account's signed notes, comments and chat messages show (accounts/deletion.py).
DELETED_DISPLAY_NAME = "已注销用户"
DELETED_PUBLIC_ID = "0"  # no account has it: a client comparing ids never takes it for anyone


def user_public(user) -> dict:
    """The contract's Public user; a deleted account is 已注销用户 with id "0" and no avatar."""
    if user.deleted_at is not None:
        return {"id": DELETED_PUBLIC_ID, "username": DELETED_DISPLAY_NAME, "avatar_url": None}
    return {"id": str(user.pk), "username": user.username, "avatar_url": user.avatar_url}
