from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
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
    date_joined = models.DateTimeField(_("date joined"), default=clock.now)
    username = models.CharField(
        _("用户名"),
        max_length=30,
        unique=True,
        validators=[UnicodeUsernameValidator(), MinLengthValidator(2)],
        error_messages={"unique": _("这个用户名已被使用。")},
    )
    # The name's confusable skeleton (accounts/usernames.py), kept by save(): the unique index
    # makes "no two names look alike" a fact of the database. NULL only for an account that was
    # already a look-alike of an older one when the column arrived (migration 0004).
    username_skeleton = models.CharField(max_length=255, null=True, unique=True, editable=False)
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
    # Set when the member deleted their account (accounts/deletion.py): the row stays as a
    # tombstone that their anonymous notes and comments still point to, emptied of everything
    # personal; it can never sign in, and its e-mail and username are free for a new account.
    deleted_at = models.DateTimeField(_("注销时间"), null=True, blank=True, editable=False)

    objects = TreeholeUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        user._loaded_username = user.__dict__.get("username")
        return user

    def _skeleton_stale(self) -> bool:
        return self._state.adding or self.username != getattr(self, "_loaded_username", None)

    def clean(self):
        super().clean()
        from accounts.usernames import skeleton

        if self.username and self._skeleton_stale():
            twins = User.objects.filter(username_skeleton=skeleton(self.username)).exclude(pk=self.pk)
            if twins.exists():
                raise ValidationError({"username": _("这个用户名和已有的用户名太像了。")})

    def save(self, *args, **kwargs):
        # The skeleton follows the name whenever the name is written (a legacy look-alike keeps
        # its NULL until it is renamed).
        update_fields = kwargs.get("update_fields")
        if (update_fields is None or "username" in update_fields) and self._skeleton_stale():
            from accounts.usernames import skeleton

            self.username_skeleton = skeleton(self.username)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "username_skeleton"}
        super().save(*args, **kwargs)
        self._loaded_username = self.username

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
