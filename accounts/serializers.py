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


def user_public(user) -> dict:
    return {"id": str(user.pk), "username": user.username, "avatar_url": user.avatar_url}
