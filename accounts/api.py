"""Accounts endpoints of the contract. Each view parses, calls one service, and answers."""

from datetime import datetime
from typing import Any, Literal

from django.conf import settings
from django.contrib.auth import logout as session_logout
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from accounts import deletion, services, tokens
from accounts.authentication import api_auth
from accounts.export import export_chunks, export_filename
from accounts.serializers import user_private
from treehole import ratelimit
from treehole.api import ErrorOut
from treehole.errors import InvalidInput
from treehole.ids import IdString, parse_id
from treehole.net import client_ip
from treehole.ratelimit import rate_limited
from treehole.streaming import streaming_response
from treehole.text import Text, TextKind


router = Router(tags=["accounts"])
auth_router = Router(tags=["auth"])


class UserOut(Schema):
    id: str = Field(..., examples=["7311828211384320001"])
    username: str
    email: str
    avatar_url: str | None
    gender: Literal["unknown", "male", "female", "other"]
    age: int | None
    bio: str
    date_joined: datetime
    is_staff: bool


class TokenPairOut(Schema):
    access: str
    refresh: str


class AuthOut(TokenPairOut):
    user: UserOut


class DetailOut(Schema):
    detail: str


LIMITS = settings.TREEHOLE_LIMITS
Email = Text(TextKind.LINE, max_length=254)
Code = Text(TextKind.LINE, pattern=r"^\s*[0-9]{6}\s*$", description="The 6-digit e-mail code")
Username = Text(TextKind.LINE, min_length=LIMITS["username_min"], max_length=LIMITS["username_max"])
Password = Text(TextKind.SECRET, max_length=128)


class EmailCodeIn(Schema):
    email: Email
    purpose: Literal["register", "reset_password"]


class RegisterIn(Schema):
    email: Email
    code: Code
    username: Username
    password: Password


class LoginIn(Schema):
    login: Text(TextKind.LINE, max_length=254) = Field(..., description="E-mail or username")
    password: Password
    captcha_key: Text(TextKind.LINE, max_length=64) | None = None
    captcha_value: Text(TextKind.LINE, max_length=32) | None = None


class RefreshIn(Schema):
    refresh: Text(TextKind.SECRET, max_length=4096)


class PasswordResetIn(Schema):
    email: Email
    code: Code
    new_password: Password


class PasswordChangeIn(Schema):
    old_password: Password
    new_password: Password
    # Needed after a few wrong old passwords, as at the login (GET /auth/captcha gives one).
    captcha_key: Text(TextKind.LINE, max_length=64) | None = None
    captcha_value: Text(TextKind.LINE, max_length=32) | None = None


class CaptchaOut(Schema):
    key: str
    image_url: str


class ProfilePatchIn(Schema):
    # Absent means "unchanged"; only age and the avatar may be null (no age, no avatar).
    username: Username = None
    gender: Literal["unknown", "male", "female", "other"] = None
    age: int | None = Field(None, ge=1, le=150)
    bio: Text(TextKind.PROSE, max_length=LIMITS["bio"]) = None
    avatar_image_id: IdString | None = Field(None, description="An Image id (string) uploaded with purpose=avatar; null removes the avatar.")


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut, 423: ErrorOut, 429: ErrorOut}


def _auth_body(user) -> dict:
    return {"user": user_private(user), **tokens.issue_pair(user)}


@auth_router.post("/email-code", response={202: DetailOut, **ERRORS}, summary="Send a 6-digit e-mail code")
@rate_limited("email_code")
def email_code(request, payload: EmailCodeIn):
    services.email_code_send(email=payload.email, purpose=payload.purpose)
    return Status(202, {"detail": "sent"})


@auth_router.post("/register", response={201: AuthOut, **ERRORS}, summary="Register with an e-mail code")
@rate_limited("register")
def register(request, payload: RegisterIn):
    user = services.user_register(
        email=payload.email, code=payload.code, username=payload.username, password=payload.password
    )
    return Status(201, _auth_body(user))


@auth_router.get("/captcha", response={200: CaptchaOut, **ERRORS}, summary="A new image captcha")
def captcha(request):
    from captcha.models import CaptchaStore

    # A GET that writes a row: its own bucket per IP (signed in or not), beside the anon one.
    ratelimit.enforce("captcha", request=request)
    key = CaptchaStore.generate_key()
    return {"key": key, "image_url": request.build_absolute_uri(reverse("captcha-image", kwargs={"key": key}))}


@auth_router.post("/login", response={200: AuthOut, **ERRORS}, summary="Log in by e-mail or username")
@rate_limited("login")
def login(request, payload: LoginIn):
    attempt = services.LoginAttempt(
        login=payload.login,
        password=payload.password,
        ip=client_ip(request),
        captcha_key=payload.captcha_key,
        captcha_value=payload.captcha_value,
    )
    user = services.user_login(attempt=attempt, request=request, door="api")
    return Status(200, _auth_body(user))


@auth_router.post("/refresh", response={200: TokenPairOut, **ERRORS}, summary="Rotate a refresh token")
@rate_limited("refresh")
def refresh(request, payload: RefreshIn):
    _user, pair = tokens.rotate_refresh_token(payload.refresh)
    return Status(200, pair)


@auth_router.post("/logout", auth=api_auth, response={204: None, **ERRORS}, summary="Revoke every token of the caller")
def logout(request):
    services.user_revoke_tokens(user=request.auth)
    if getattr(request, "session", None) is not None:
        session_logout(request)
    return Status(204, None)


@auth_router.post("/password-reset", response={200: DetailOut, **ERRORS}, summary="Reset the password with an e-mail code")
@rate_limited("password_reset")
def password_reset(request, payload: PasswordResetIn):
    services.user_reset_password(email=payload.email, code=payload.code, new_password=payload.new_password)
    return Status(200, {"detail": "ok"})


@router.get("/me", auth=api_auth, response={200: UserOut, **ERRORS}, summary="The caller's profile")
def me(request):
    return Status(200, user_private(request.auth))


@router.patch("/me", auth=api_auth, response={200: UserOut, **ERRORS}, summary="Edit the caller's profile")
def me_patch(request, payload: ProfilePatchIn):
    given = payload.model_dump(exclude_unset=True)
    if "avatar_image_id" in given and given["avatar_image_id"] is not None:
        image_id = parse_id(given["avatar_image_id"])
        if image_id is None:
            raise InvalidInput(fields={"avatar_image_id": [_("不是有效的 ID。")]})
        given["avatar_image_id"] = image_id
    for nullable in ("username", "gender", "bio"):
        if nullable in given and given[nullable] is None:
            raise InvalidInput(fields={nullable: [_("此项不能为 null。")]})
    user = services.user_update_profile(user=request.auth, **given)
    return Status(200, user_private(user))


@router.post("/me/password", auth=api_auth, response={200: TokenPairOut, **ERRORS}, summary="Change the password")
@rate_limited("password_change")
def me_password(request, payload: PasswordChangeIn):
    pair = services.user_change_password(
        user=request.auth, old_password=payload.old_password, new_password=payload.new_password,
        ip=client_ip(request), captcha_key=payload.captcha_key, captcha_value=payload.captcha_value,
    )
    if getattr(request, "session", None) is not None and request.user.is_authenticated and request.user.pk == request.auth.pk:
        from django.contrib.auth import update_session_auth_hash

        update_session_auth_hash(request, request.auth)
    return Status(200, pair)


class AccountDeleteIn(Schema):
    password: Password = Field(..., description="The account's password, asked again")
    # Needed after a few wrong passwords, as at the login (GET /auth/captcha gives one).
    captcha_key: Text(TextKind.LINE, max_length=64) | None = None
    captcha_value: Text(TextKind.LINE, max_length=32) | None = None


@router.delete(
    "/me", auth=api_auth, response={204: None, **ERRORS},
    summary="Delete the caller's account (anonymous notes and comments stay anonymous; signed ones show 已注销用户)",
)
def me_delete(request, payload: AccountDeleteIn):
    ratelimit.enforce("account_delete", request=request, user=request.auth)
    deletion.user_delete(user=request.auth, password=payload.password, ip=client_ip(request),
                         captcha_key=payload.captcha_key, captcha_value=payload.captcha_value)
    if getattr(request, "session", None) is not None:
        session_logout(request)
    return Status(204, None)


class ExportOut(Schema):
    """The export file (also a download: ``Content-Disposition: attachment``). Every section is a
    list of the member's own rows; apps may add sections (``user_export`` hook)."""

    model_config = {"extra": "allow"}

    format: Literal["treehole-export"]
    version: int
    exported_at: datetime
    profile: dict[str, Any]
    notes: list[dict[str, Any]] = Field(..., description="Their notes, anonymous ones included, with image URLs")
    comments: list[dict[str, Any]]
    chat_messages: list[dict[str, Any]]
    votes: list[dict[str, Any]]
    bookmarks: list[dict[str, Any]]
    follows: list[dict[str, Any]]


@router.get(
    "/me/export", auth=api_auth, response={200: ExportOut, **ERRORS},
    summary="Download everything the caller wrote (streamed JSON file)",
)
def me_export(request):
    ratelimit.enforce("export", request=request, user=request.auth)
    return streaming_response(request, export_chunks(request.auth), filename=export_filename(request.auth))

