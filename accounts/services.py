"""Writes for accounts. The API and the pages both call these; neither repeats a rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import tokens, verification
from accounts.models import Gender, User
from accounts import usernames
from accounts.selectors import (
    normalize_email,
    user_email_taken,
    user_find_by_login,
    user_username_lookalike_taken,
    user_username_taken,
)
from accounts.tasks import send_email_code
from treehole import clock, hooks, ratelimit
from treehole.effects import Repair, after_commit
from treehole.errors import CaptchaRequired, Conflict, InvalidCredentials, InvalidInput, Locked, RateLimited

PURPOSE_REGISTER = "register"
PURPOSE_RESET = "reset_password"
PURPOSES = (PURPOSE_REGISTER, PURPOSE_RESET)


def avatar_hook(name: str):
    """The avatar images' door into uploads (``avatar_take(owner=, image_id=) -> Image`` and
    ``avatar_upload(owner=, uploaded_file=) -> Image``, registered in ``UploadsConfig.ready``):
    uploads sits above accounts, so accounts never imports it."""
    registered = hooks.get_hooks(name)
    if not registered:
        raise ImproperlyConfigured(f"no {name!r} hook: is the uploads app installed?")
    return registered[-1]


def _clean_email(email: str, field: str = "email") -> str:
    email = normalize_email(email)
    try:
        if len(email) > 254:
            raise ValidationError(_("邮箱地址太长。"))
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput(fields={field: [_("请输入有效的邮箱地址。")]}) from exc
    return email


def _clean_username(username: str, *, exclude_id: int | None = None) -> str:
    username = (username or "").strip()
    limits = settings.TREEHOLE_LIMITS
    field = User._meta.get_field("username")
    errors: list[str] = []
    if not limits["username_min"] <= len(username) <= limits["username_max"]:
        errors.append(
            _("用户名长度需在 %(min)d 到 %(max)d 个字符之间。")
            % {"min": limits["username_min"], "max": limits["username_max"]}
        )
    else:
        for validator in field.validators:
            try:
                validator(username)
            except ValidationError:
                errors.append(_("用户名只能包含文字、数字和 @/./+/-/_ 。"))
                break
    if not errors and usernames.is_reserved(username):
        errors.append(_("这个用户名是保留的，请换一个。"))
    if not errors:
        # Sensitive words (moderation registers its filter): any match refuses a name.
        for screen in hooks.get_hooks("username_screen"):
            screen(username, field="username")
    if not errors and user_username_taken(username, exclude_id=exclude_id):
        raise Conflict(_("这个用户名已被使用。"), fields={"username": [_("这个用户名已被使用。")]})
    if not errors and user_username_lookalike_taken(username, exclude_id=exclude_id):
        message = _("这个用户名和已有的用户名太像了。")
        raise Conflict(message, fields={"username": [message]})
    if errors:
        raise InvalidInput(fields={"username": errors})
    return username


def _check_password(password: str, *, user: User | None = None, field: str = "password") -> None:
    if not password:
        raise InvalidInput(fields={field: [_("请输入密码。")]})
    if len(password) > 128:
        raise InvalidInput(fields={field: [_("密码不能超过 128 个字符。")]})
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(fields={field: list(exc.messages)}) from exc


def _check_code_format(code: str) -> str:
    code = (code or "").strip()
    if not (len(code) == 6 and code.isdigit()):
        raise InvalidInput(fields={"code": [_("验证码是 6 位数字。")]})
    return code


def _consume_code(email: str, purpose: str, code: str) -> None:
    _code_outcome(verification.check_code(email, purpose, code, consume=True))


def _verify_code(email: str, purpose: str, code: str) -> None:
    """Check the code without using it up (a wrong one still counts as a try)."""
    _code_outcome(verification.check_code(email, purpose, code, consume=False))


def _code_outcome(outcome: str) -> None:
    if outcome == "ok":
        return
    messages = {
        "wrong": _("验证码不正确。"),
        "dead": _("验证码错误次数过多，已失效，请重新获取。"),
        "missing": _("验证码已过期或未发送，请重新获取。"),
    }
    raise InvalidInput(messages[outcome], fields={"code": [messages[outcome]]})


def email_code_send(*, email: str, purpose: str) -> None:
    """Send a 6-digit code. For a password reset the answer is the same whether or not the
    address is registered, so the endpoint cannot be used to find out who is a member."""
    if purpose not in PURPOSES:
        raise InvalidInput(fields={"purpose": [_("用途只能是 register 或 reset_password。")]})
    email = _clean_email(email)
    if purpose == PURPOSE_REGISTER and user_email_taken(email):
        raise Conflict(_("这个邮箱已注册。"), fields={"email": [_("这个邮箱已注册。")]})
    ratelimit.enforce_target("email_code", email)
    wait = verification.claim_send_slot(email)
    if wait:
        raise RateLimited(_("发送太频繁，请 %(s)d 秒后再试。") % {"s": wait}, retry_after=wait)
    # A reset code is stored for an unknown address too (and never sent): a wrong guess at it
    # then answers "wrong" and dies after the same number of tries as a real one, so the reset
    # step cannot tell registered addresses from others either.
    code = verification.store_code(email, purpose)
    if purpose == PURPOSE_RESET and not user_email_taken(email):
        return
    try:
        send_email_code(email, code, purpose, translation.get_language() or settings.LANGUAGE_CODE)
    except Exception:
        verification.release_send_slot(email)
        raise


def _collect(errors: dict, check):
    """Run one check; a field error is added to ``errors`` (so every wrong field is reported
    together) instead of stopping at the first."""
    try:
        return check()
    except InvalidInput as exc:
        for field, messages in (exc.fields or {"non_field_errors": [exc.message]}).items():
            errors.setdefault(field, []).extend(messages)
    except Conflict as exc:
        if not exc.fields:
            raise
        for field, messages in exc.fields.items():
            errors.setdefault(field, []).extend(messages)
        errors.setdefault("__conflict__", [exc.message])
    return None


def user_register(*, email: str, code: str, username: str, password: str) -> User:
    email = _clean_email(email)
    ratelimit.enforce_target("register", email)
    errors: dict[str, list[str]] = {}
    code = _collect(errors, lambda: _check_code_format(code))
    clean_username = _collect(errors, lambda: _clean_username(username))
    _collect(errors, lambda: _check_password(password, user=User(username=clean_username or username, email=email)))
    if errors and code is not None:
        # Something else is wrong: say whether the code is wrong too (a wrong code counts as a try,
        # a right one stays valid for the corrected submission).
        _collect(errors, lambda: _verify_code(email, PURPOSE_REGISTER, code))
    if errors:
        conflict = errors.pop("__conflict__", None)
        if conflict and len(errors) == 1:
            raise Conflict(conflict[0], fields=errors)
        raise InvalidInput(_("提交的数据有误。"), fields=errors)
    username = clean_username
    if user_email_taken(email):
        raise Conflict(_("这个邮箱已注册。"), fields={"email": [_("这个邮箱已注册。")]})
    # Only consume the code once everything else is known to be fine, so a typo in the username
    # does not cost the user a new e-mail.
    _consume_code(email, PURPOSE_REGISTER, code)
    try:
        with transaction.atomic():
            user = User(username=username, email=email)
            user.set_password(password)
            user.save()
    except IntegrityError as exc:
        raise Conflict(_("用户名或邮箱刚被别人注册了。")) from exc
    return user


@dataclass
class LoginAttempt:
    login: str
    password: str
    ip: str
    captcha_key: str | None = None
    captcha_value: str | None = None


def login_subject(login: str) -> str:
    """Failures are counted per account, whichever of e-mail or username was typed."""
    user = user_find_by_login(login)
    return f"u{user.pk}" if user else "n:" + (login or "").strip().lower()[:100]


def login_captcha_needed(*, login: str, ip: str) -> bool:
    """After a few failures of the (account, IP) pair — and always while Redis cannot count them."""
    return verification.login_captcha_needed(login_subject(login), ip)


def _captcha_ok(captcha_key: str | None, captcha_value: str | None) -> bool:
    """One answer per captcha: the challenge is deleted whether the answer is right or wrong, so a
    captcha cannot be guessed at again and again (the client asks for a new one)."""
    from captcha.models import CaptchaStore

    if not captcha_key or not captcha_value:
        return False
    with transaction.atomic():
        store = CaptchaStore.objects.select_for_update().filter(hashkey=captcha_key).first()
        if store is None:
            return False
        store.delete()
    return store.expiration > clock.now() and store.response == captcha_value.strip().lower()


def password_gate(
    *,
    subject: str,
    ip: str,
    check,
    captcha_key: str | None = None,
    captcha_value: str | None = None,
    failure=None,
):
    """The one policy for every door that checks a password (the API and page login, the admin's
    login, changing the password; any future door — deleting the account — calls this too):

    1. a locked (account, IP) pair is refused (423 ``locked``, from the database: LoginLock);
    2. after LOGIN_CAPTCHA_AFTER_FAILURES failures (and always while Redis cannot count them) the
       image captcha must be answered first (400 ``captcha_required``; each captcha answers once);
    3. ``check()`` returns what the door wants (the user) or None for a wrong password;
    4. a failure is counted for the pair, the LOGIN_LOCK_AFTER_FAILURES-th locks it; a success
       clears the count.

    ``subject`` names the account as ``login_subject`` does (``u<id>``), so failures at every door
    add up. ``failure()`` builds the error of a wrong password (default: InvalidCredentials)."""
    remaining = verification.login_lock_remaining(subject, ip)
    if remaining:
        raise Locked(_("失败次数过多，请 %(m)d 分钟后再试。") % {"m": (remaining + 59) // 60}, retry_after=remaining)
    if verification.login_captcha_needed(subject, ip):
        if not _captcha_ok(captcha_key, captcha_value):
            message = _("请输入正确的图片验证码。")
            raise CaptchaRequired(message, fields={"captcha_value": [message]})
    result = check()
    if result is None or result is False:
        failures = verification.record_login_failure(subject, ip)
        if failures is not None and failures >= settings.LOGIN_LOCK_AFTER_FAILURES:
            seconds = settings.LOGIN_LOCK_SECONDS
            raise Locked(_("失败次数过多，请 %(m)d 分钟后再试。") % {"m": (seconds + 59) // 60}, retry_after=seconds)
        raise failure() if failure is not None else InvalidCredentials()
    verification.clear_login_failures(subject, ip)
    return result


def password_captcha_needed(*, user: User, ip: str) -> bool:
    """Whether a signed-in password door (changing the password) must show the captcha now."""
    return verification.login_captcha_needed(f"u{user.pk}", ip)


def user_password_confirm(
    *,
    user: User,
    password: str,
    ip: str,
    captcha_key: str | None = None,
    captcha_value: str | None = None,
    field: str = "password",
    message: str | None = None,
) -> None:
    """A signed-in door that asks for the member's password again — changing the password,
    deleting the account (``DELETE /api/v1/me`` and its page must call this, not
    ``check_password``), anything to come: ``password_gate`` on the pair (``u<id>``, IP), so a
    stolen session guesses no faster than a login, and failures here and at the login add up.
    A wrong password is 400 ``invalid`` on ``field``; the captcha is asked for with
    ``password_captcha_needed``."""
    text = message or _("密码不正确。")
    password_gate(
        subject=f"u{user.pk}", ip=ip, captcha_key=captcha_key, captcha_value=captcha_value,
        check=lambda: user if user.check_password(password or "") else None,
        failure=lambda: InvalidInput(text, fields={field: [text]}),
    )


def last_login_stamp(sender, user, **kwargs) -> None:
    """``user_logged_in`` receiver (in place of Django's ``update_last_login``)."""
    user.last_login = clock.now()
    user.save(update_fields=["last_login"])


def user_login(*, attempt: LoginAttempt, request=None, door: str = "api") -> User:
    """Check credentials through ``password_gate`` (captcha after N failures, a lock after M,
    counted per (account, IP) pair and, through the ``login`` bucket, per account). Returns the
    user; issuing tokens or a session is the caller's ``door`` ("api", "page", "admin"). A staff
    member's sign-in is written to the moderation audit log (``staff_signed_in`` hook)."""
    if not attempt.login or not attempt.password:
        fields = {}
        if not attempt.login:
            fields["login"] = [_("请输入邮箱或用户名。")]
        if not attempt.password:
            fields["password"] = [_("请输入密码。")]
        raise InvalidInput(fields=fields)
    subject = login_subject(attempt.login)
    ratelimit.enforce_target("login", subject)
    user = password_gate(
        subject=subject,
        ip=attempt.ip,
        captcha_key=attempt.captcha_key,
        captcha_value=attempt.captcha_value,
        check=lambda: authenticate(request, username=attempt.login.strip(), password=attempt.password),
    )
    User.objects.filter(pk=user.pk).update(last_login=clock.now())
    if user.is_staff:
        for hook in hooks.get_hooks("staff_signed_in"):
            hook(user=user, ip=attempt.ip, door=door)
    return user


def _sockets_revoked_on_commit(user: User) -> None:
    """``user.token_version`` was just bumped: once that commits, every open WebSocket opened with
    an older version closes (4001), not only every JWT and page session."""
    from accounts.websocket import sockets_revoke_user

    user_id, version = user.pk, user.token_version
    after_commit(
        lambda: sockets_revoke_user(user_id=user_id, version=version),
        repair=Repair(verification.token_version_forget, user_id),
    )


def token_version_bump(*, user: User) -> None:
    """Revoke every JWT, page session and open socket of the user (one place for every cause)."""
    User.objects.filter(pk=user.pk).update(token_version=F("token_version") + 1)
    user.refresh_from_db(fields=["token_version"])
    _sockets_revoked_on_commit(user)


def user_revoke_tokens(*, user: User) -> None:
    """Log out everywhere: every JWT, every page session and every open socket of the user."""
    token_version_bump(user=user)


def user_log_out(*, request) -> None:
    """Log out this page session; the sockets it opened close too (other devices stay)."""
    from django.contrib.auth import logout as session_logout

    from accounts.websocket import sockets_revoke_session

    session_key = request.session.session_key if getattr(request, "session", None) is not None else None
    session_logout(request)
    sockets_revoke_session(session_key=session_key)


def user_change_password(
    *,
    user: User,
    old_password: str,
    new_password: str,
    ip: str,
    captcha_key: str | None = None,
    captcha_value: str | None = None,
) -> dict[str, str]:
    """A password door like the login (``password_gate``): a stolen session cannot guess the old
    password faster than a login could."""
    _check_password(new_password, user=user, field="new_password")
    user_password_confirm(
        user=user, password=old_password, ip=ip, captcha_key=captcha_key, captcha_value=captcha_value,
        field="old_password", message=_("原密码不正确。"),
    )
    _password_replace(user, new_password)
    return tokens.issue_pair(user)


def _password_replace(user: User, new_password: str) -> None:
    """Store a new password and revoke every token, session and socket of the account."""
    with transaction.atomic():
        user.set_password(new_password)
        user.token_version = F("token_version") + 1
        user.save(update_fields=["password", "token_version"])
        user.refresh_from_db(fields=["token_version"])
        _sockets_revoked_on_commit(user)


def user_reset_password(*, email: str, code: str, new_password: str) -> User:
    """The code is checked first: until it is right, a registered address and any other one get
    the same answers (``email_code_send`` keeps an unsent code for unknown addresses, so even
    "wrong" and "too many tries" match). Only then is the new password judged, against the
    account (a valid code survives a rejected password)."""
    email = _clean_email(email)
    code = _check_code_format(code)
    ratelimit.enforce_target("password_reset", email)
    _verify_code(email, PURPOSE_RESET, code)
    user = user_find_by_login(email)
    if user is None:  # the code of an unknown address is never sent: reaching here is a lucky guess
        message = _("验证码已过期或未发送，请重新获取。")
        raise InvalidInput(message, fields={"code": [message]})
    _check_password(new_password, user=user, field="new_password")
    _consume_code(email, PURPOSE_RESET, code)
    _password_replace(user, new_password)
    return user


_UNSET = object()


def user_update_profile(
    *,
    user: User,
    username=_UNSET,
    gender=_UNSET,
    age=_UNSET,
    bio=_UNSET,
    avatar_image_id=_UNSET,
) -> User:
    """Change only the fields given. Validates everything before writing anything. A banned
    member cannot change their name, bio or avatar (``ensure_can_write``), nor anything else here."""
    ensure_can_write(user)
    changes: dict = {}
    errors: dict[str, list[str]] = {}
    if username is not _UNSET:
        if not isinstance(username, str):
            errors["username"] = [_("用户名必须是文字。")]
        else:
            try:
                changes["username"] = _clean_username(username, exclude_id=user.pk)
            except (InvalidInput, Conflict) as exc:
                if isinstance(exc, Conflict):
                    raise
                errors.update(exc.fields or {})
    if gender is not _UNSET:
        if gender not in Gender.values:
            errors["gender"] = [_("性别只能是 unknown、male、female 或 other。")]
        else:
            changes["gender"] = gender
    if age is not _UNSET:
        if age is not None and (isinstance(age, bool) or not isinstance(age, int) or not 1 <= age <= 150):
            errors["age"] = [_("年龄需在 1 到 150 之间。")]
        else:
            changes["age"] = age
    if bio is not _UNSET:
        bio = (bio or "").strip() if isinstance(bio, str) or bio is None else None
        if bio is None:
            errors["bio"] = [_("简介必须是文字。")]
        elif len(bio) > settings.TREEHOLE_LIMITS["bio"]:
            errors["bio"] = [_("简介不能超过 %(n)d 个字。") % {"n": settings.TREEHOLE_LIMITS["bio"]}]
        else:
            changes["bio"] = bio
    if errors:
        raise InvalidInput(fields=errors)
    with transaction.atomic():
        if avatar_image_id is not _UNSET:
            if avatar_image_id is None:
                changes["avatar"] = None
            else:
                changes["avatar"] = avatar_hook("avatar_take")(owner=user, image_id=avatar_image_id)
        for name, value in changes.items():
            setattr(user, name, value)
        if changes:
            try:
                user.save(update_fields=[*changes.keys()])
            except IntegrityError as exc:
                raise Conflict(_("这个用户名已被使用。"), fields={"username": [_("这个用户名已被使用。")]}) from exc
    return user


def ensure_can_write(user) -> None:
    """The gate every write (post, comment, vote, upload, chat, report) passes: a banned user can
    read and log in, but gets ``Banned`` (403 ``banned``) saying until when. A ban whose end is in
    the past has expired by itself."""
    from django.utils.formats import date_format

    from treehole.errors import Banned

    if user is None or not getattr(user, "is_authenticated", False) or not user.ban_active:
        return
    if user.banned_until is None:
        raise Banned(_("你的账号已被永久封禁，不能发帖、评论、投票、上传或聊天。"))
    until = date_format(timezone.localtime(user.banned_until), "Y-m-d H:i")
    raise Banned(_("你的账号已被封禁至 %(until)s，在此之前不能发帖、评论、投票、上传或聊天。") % {"until": until})


def user_ban(*, user: User, until: datetime | None) -> User:
    """Ban until ``until`` (None = permanently). The ban revokes every token and session."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(
            is_banned=True, banned_until=until, token_version=F("token_version") + 1
        )
        user.refresh_from_db(fields=["is_banned", "banned_until", "token_version"])
        _sockets_revoked_on_commit(user)
    return user


def user_unban(*, user: User) -> User:
    User.objects.filter(pk=user.pk).update(is_banned=False, banned_until=None)
    user.refresh_from_db(fields=["is_banned", "banned_until"])
    return user


def seed_password_hash(digest: str, *, salt: str) -> str:
    """The stored form of a Go seed password hash (accounts/hashers.py)."""
    from accounts.hashers import SeedMD5PasswordHasher

    return SeedMD5PasswordHasher().encode_seed_hash(digest, salt)


def _imported_username(username: str, *, user_id: int) -> tuple[str, bool]:
    """``username`` when Treehole's rules take it, else ``seed<n>`` (free, from the id): an account
    keeps its e-mail login either way, and can choose a new name in its profile."""
    try:
        return _clean_username(username), False
    except (InvalidInput, Conflict):
        pass
    base = f"seed{user_id % 10**8}"
    candidate, n = base, 1
    while user_username_taken(candidate):
        n += 1
        candidate = f"{base}-{n}"
    return candidate, True


def user_import(
    *, user_id: int, username: str, email: str, password_hash: str, gender: str, age: int | None, date_joined: datetime
) -> tuple[User, bool]:
    """An account brought in from another site (``manage.py import_seed``) with its id and
    password hash kept: the hash is upgraded to Argon2 at its first sign-in. Returns the user and
    whether the username had to change. An address already registered here is a ``Conflict``."""
    email = _clean_email(email)
    if user_email_taken(email):
        raise Conflict(_("这个邮箱已注册。"), fields={"email": [_("这个邮箱已注册。")]})
    username, renamed = _imported_username(username, user_id=user_id)
    if gender not in Gender.values:
        gender = Gender.UNKNOWN
    user = User(id=user_id, username=username, email=email, password=password_hash, gender=gender, age=age, date_joined=date_joined)
    user.save(force_insert=True)
    return user, renamed


def user_set_avatar(*, user: User, image) -> User:
    """Make an already attached avatar image the user's (the importer's door; the profile form
    goes through ``user_update_profile``)."""
    User.objects.filter(pk=user.pk).update(avatar=image)
    user.avatar = image
    return user


def auth_tables_sweep() -> dict[str, int]:
    """Rows of the sign-in tables that can never matter again: expired captchas (one is made
    for every captcha request, answered or not), refresh tokens past their expiry (a replay of one
    fails on the expiry first) and locks that have run out. Run every few minutes by
    ``accounts.tasks.sweep_auth_tables``."""
    from captcha.models import CaptchaStore

    from accounts.models import LoginLock, UsedRefreshToken

    now = clock.now()
    captchas, _by_model = CaptchaStore.objects.filter(expiration__lte=now).delete()
    refresh, _by_model = UsedRefreshToken.objects.filter(expires_at__lte=now).delete()
    locks, _by_model = LoginLock.objects.filter(locked_until__lte=now).delete()
    return {"captchas": captchas, "refresh_tokens": refresh, "login_locks": locks}
