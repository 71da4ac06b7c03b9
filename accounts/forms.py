"""Page forms. They only shape input for the services, which hold every rule."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.conf import settings
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from accounts.models import Gender
from treehole.text import TextField, TextKind


class EmailForm(forms.Form):
    email = TextField(kind=TextKind.LINE, label=_("邮箱"), max_length=254, validators=[validate_email],
                      widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))


class RegisterVerifyForm(forms.Form):
    code = TextField(kind=TextKind.LINE, label=_("邮箱验证码"), max_length=6, min_length=6, widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}))
    username = TextField(kind=TextKind.LINE, label=_("用户名"), max_length=30, min_length=2, widget=forms.TextInput(attrs={"autocomplete": "username"}))
    password = TextField(kind=TextKind.SECRET, label=_("密码"), max_length=128, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class LoginForm(forms.Form):
    login = TextField(kind=TextKind.LINE, label=_("邮箱或用户名"), max_length=254, widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = TextField(kind=TextKind.SECRET, label=_("密码"), max_length=128, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    captcha_key = TextField(kind=TextKind.LINE, required=False, max_length=64, widget=forms.HiddenInput)
    captcha_value = TextField(kind=TextKind.LINE, label=_("图片验证码"), required=False, max_length=10, widget=forms.TextInput(attrs={"autocomplete": "off"}))


class PasswordResetConfirmForm(forms.Form):
    code = TextField(kind=TextKind.LINE, label=_("邮箱验证码"), max_length=6, min_length=6, widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}))
    new_password = TextField(kind=TextKind.SECRET, label=_("新密码"), max_length=128, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class PasswordChangeForm(forms.Form):
    old_password = TextField(kind=TextKind.SECRET, label=_("原密码"), max_length=128, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password = TextField(kind=TextKind.SECRET, label=_("新密码"), max_length=128, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    captcha_key = TextField(kind=TextKind.LINE, required=False, max_length=64, widget=forms.HiddenInput)
    captcha_value = TextField(kind=TextKind.LINE, label=_("图片验证码"), required=False, max_length=10, widget=forms.TextInput(attrs={"autocomplete": "off"}))


class AccountDeleteForm(forms.Form):
    password = TextField(kind=TextKind.SECRET, label=_("密码"), max_length=128,
                         widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    captcha_key = TextField(kind=TextKind.LINE, required=False, max_length=64, widget=forms.HiddenInput)
    captcha_value = TextField(kind=TextKind.LINE, label=_("图片验证码"), required=False, max_length=10, widget=forms.TextInput(attrs={"autocomplete": "off"}))


class ProfileForm(forms.Form):
    username = TextField(kind=TextKind.LINE, label=_("用户名"), max_length=30, min_length=2)
    gender = forms.ChoiceField(label=_("性别"), choices=Gender.choices)
    age = forms.IntegerField(label=_("年龄"), required=False, min_value=1, max_value=150)
    bio = TextField(kind=TextKind.PROSE, label=_("简介"), required=False, max_length=settings.TREEHOLE_LIMITS["bio"], widget=forms.Textarea(attrs={"rows": 3}))
    avatar = forms.FileField(label=_("头像"), required=False, widget=forms.ClearableFileInput(attrs={
        # checked in the browser before the form is sent (static/js/site.js), same limit as the server's
        "accept": "image/jpeg,image/png,image/webp,image/gif", "data-check-file": "", "data-max-bytes": settings.TREEHOLE_LIMITS["image_bytes"],
    }))


class StaffLoginForm(AdminAuthenticationForm):
    """The admin's login form, checked by ``accounts.services.user_login`` — the same failure
    counting, captcha and lock as the API and the pages (Django's own form would skip all three),
    and the staff sign-in written to the audit log."""

    username = TextField(kind=TextKind.LINE, label=_("邮箱或用户名"), max_length=254,
                         widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = TextField(kind=TextKind.SECRET, label=_("密码"), max_length=128,
                         widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    captcha_key = TextField(kind=TextKind.LINE, required=False, max_length=64, widget=forms.HiddenInput)
    captcha_value = TextField(kind=TextKind.LINE, label=_("图片验证码"), required=False, max_length=10)

    def clean(self):
        from accounts import services
        from treehole.errors import DomainError
        from treehole.net import client_ip

        login = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if login is not None and password:
            attempt = services.LoginAttempt(
                login=login, password=password, ip=client_ip(self.request),
                captcha_key=self.cleaned_data.get("captcha_key"), captcha_value=self.cleaned_data.get("captcha_value"),
            )
            try:
                self.user_cache = services.user_login(attempt=attempt, request=self.request, door="admin")
            except DomainError as exc:
                self.captcha_refused = exc.code == "captcha_required"
                raise forms.ValidationError(exc.message, code=exc.code) from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class RevokingAdminPasswordChangeForm(AdminPasswordChangeForm):
    """Staff setting a member's password in the admin (/admin/accounts/user/<id>/password/) — what
    they do for a hijacked account — ends every JWT, page session and open socket of the member,
    like a reset does (Django's form alone changes the hash, which ends sessions but leaves every
    access and refresh token working)."""

    # Django's own CharFields let a lone surrogate through to the hasher (a 500): treehole.text's
    # SECRET kind keeps the password exactly as typed and refuses only what cannot be stored.
    password1 = TextField(kind=TextKind.SECRET, label=_("密码"), required=True, strip=False,
                          widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = TextField(kind=TextKind.SECRET, label=_("确认密码"), required=True, strip=False,
                          widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            from accounts.services import token_version_bump

            token_version_bump(user=user)
        return user
