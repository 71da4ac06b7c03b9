"""JWT access/refresh tokens (HS256) and their revocation by the user's token version."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone

import jwt
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from treehole import clock
from treehole.errors import DomainError, TokenExpired, Unauthenticated

ALGORITHM = "HS256"
ACCESS, REFRESH = "access", "refresh"


def _encode(user, token_type: str, lifetime) -> str:
    now = clock.now()
    claims = {
        "sub": str(user.pk),
        "type": token_type,
        "ver": user.token_version,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "jti": secrets.token_hex(16),
    }
    return jwt.encode(claims, settings.JWT_SIGNING_KEY, algorithm=ALGORITHM)


def issue_pair(user) -> dict[str, str]:
    return {
        "access": _encode(user, ACCESS, settings.ACCESS_TOKEN_LIFETIME),
        "refresh": _encode(user, REFRESH, settings.REFRESH_TOKEN_LIFETIME),
    }


def decode(token: str, expected_type: str) -> dict:
    try:
        claims = jwt.decode(
            token,
            settings.JWT_SIGNING_KEY,
            algorithms=[ALGORITHM],
            # Times are checked below against treehole.clock (PyJWT would read the system clock).
            options={"require": ["sub", "type", "ver", "exp", "iat", "jti"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.InvalidTokenError as exc:
        raise Unauthenticated(_("令牌无效。")) from exc
    now = clock.now().timestamp()
    if not all(isinstance(claims[name], int) and not isinstance(claims[name], bool) for name in ("exp", "iat")):
        raise Unauthenticated(_("令牌无效。"))
    if claims["iat"] > now:
        raise Unauthenticated(_("令牌无效。"))
    if claims["exp"] <= now:
        raise TokenExpired()
    if claims.get("type") != expected_type:
        raise Unauthenticated(_("令牌类型不对。"))
    return claims


def access_expiry(token: str) -> float | None:
    """The expiry (epoch seconds) of a well-signed, unexpired access token; None for any other
    string. Revocation is not checked (it needs the database)."""
    try:
        return decode(token, ACCESS)["exp"]
    except DomainError:
        return None


def _user_for_claims(claims: dict):
    from accounts.models import User

    try:
        user = User.objects.select_related("avatar").get(pk=int(claims["sub"]), is_active=True)
    except (User.DoesNotExist, ValueError, TypeError) as exc:
        raise Unauthenticated(_("令牌无效。")) from exc
    if user.token_version != claims["ver"]:
        # Revoked: password changed or reset, logged out everywhere, or banned.
        raise TokenExpired(_("登录已失效，请重新登录。"))
    return user


def user_for_access_token(token: str):
    return _user_for_claims(decode(token, ACCESS))


def rotate_refresh_token(token: str):
    """Exchange a refresh token for a new pair. Each refresh token works once: a replayed one
    means it was stolen, so every token of the user is revoked."""
    from accounts.models import UsedRefreshToken, User

    claims = decode(token, REFRESH)
    user = _user_for_claims(claims)
    try:
        with transaction.atomic():
            UsedRefreshToken.objects.create(
                jti=claims["jti"], user=user, expires_at=datetime.fromtimestamp(claims["exp"], timezone.utc)
            )
    except IntegrityError as exc:
        from accounts.services import token_version_bump

        token_version_bump(user=user)
        raise TokenExpired(_("刷新令牌已被使用，请重新登录。")) from exc
    return user, issue_pair(user)
