from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.validators import MaxValueValidator, MinLengthValidator, MinValueValidator
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from treehole import clock
from treehole.ids import SnowflakeField


class Gender(models.TextChoices):
    UNKNOWN = "unknown", _("保密")
    MALE = "male", _("男")
    FEMALE = "female", _("女")
    OTHER = "other", _("其他")


class TreeholeUserManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractUser):
    """A member. ``token_version`` is in every JWT and in the session hash: bumping it (password
    change or reset, "log out everywhere", a ban) revokes every token and every session at once."""

    id = SnowflakeField()
    username = models.CharField(
        _("用户名"),
        max_length=30,
        unique=True,
        validators=[UnicodeUsernameValidator(), MinLengthValidator(2)],
        error_messages={"unique": _("这个用户名已被使用。")},
    )
    email = models.EmailField(_("邮箱"), unique=True, error_messages={"unique": _("这个邮箱已注册。")})
    avatar = models.ForeignKey(
        "uploads.Image", verbose_name=_("头像"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices, default=Gender.UNKNOWN)
    age = models.PositiveSmallIntegerField(
        _("年龄"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(150)]
    )
    bio = models.CharField(_("简介"), max_length=200, blank=True)
    token_version = models.PositiveIntegerField(default=0, editable=False)
    is_banned = models.BooleanField(_("已封禁"), default=False)
    banned_until = models.DateTimeField(_("封禁至"), null=True, blank=True, help_text=_("留空表示永久"))

    objects = TreeholeUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def get_session_auth_hash(self):
        # Django signs the session with the password hash; adding token_version makes "log out
        # everywhere" and bans end page sessions too, not only JWTs.
        return salted_hmac(
            "treehole.accounts.session",
            f"{self.password}:{self.token_version}",
            secret=settings.SECRET_KEY,
            algorithm="sha256",
        ).hexdigest()

    @property
    def ban_active(self) -> bool:
        """A ban with an end in the past has expired by itself: no job needs to lift it."""
        if not self.is_banned:
            return False
        return self.banned_until is None or self.banned_until > clock.now()

    @property
    def avatar_url(self) -> str | None:
        return self.avatar.url if self.avatar_id else None


class UsedRefreshToken(models.Model):
    """Refresh tokens are single-use (rotation). A second use of the same ``jti`` means it
    leaked, so the whole family is revoked. Kept in the database so a Redis flush cannot reopen
    the window; rows are swept once the token would have expired anyway."""

    jti = models.CharField(max_length=64, primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField(db_index=True)


class LoginLock(models.Model):
    """A login lock of one (account, IP) pair after repeated failures. Locks live in the database,
    not only in Redis, so a Redis restart or flush cannot lift one early (accounts/verification.py);
    the failure counter that leads to a lock is Redis' (short-lived by nature)."""

    subject = models.CharField(max_length=120)  # "u<user id>", or "n:<the name typed>" for no account
    ip = models.CharField(max_length=64)
    locked_until = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subject", "ip"], name="login_lock_pair")]

    def __str__(self) -> str:
        return f"{self.subject} @ {self.ip} until {self.locked_until:%Y-%m-%d %H:%M}"
