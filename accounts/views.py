"""Account pages. Each view shapes a form, calls one service and renders or redirects."""

from __future__ import annotations

from captcha.models import CaptchaStore
from django.contrib import admin, messages
from django.contrib.auth import login as session_login
from django.contrib.auth import logout as session_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import deletion, services
from accounts.export import export_chunks, export_filename
from accounts.forms import (
    AccountDeleteForm,
    EmailForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetConfirmForm,
    ProfileForm,
    RegisterVerifyForm,
)
from treehole import ratelimit
from treehole.errors import CaptchaRequired, DomainError
from treehole.net import client_ip
from treehole.pages import add_domain_error
from treehole.ratelimit import rate_limited
from treehole.streaming import streaming_response

SESSION_REGISTER_EMAIL = "register_email"
SESSION_RESET_EMAIL = "reset_email"
BACKEND = "accounts.backends.EmailOrUsernameBackend"


def _send_code_step(request, *, purpose: str, session_key: str, next_url: str, template: str):
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            services.email_code_send(email=email, purpose=purpose)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            request.session[session_key] = email.strip().lower()
            messages.success(request, _("验证码已发送到 %(email)s，5 分钟内有效。") % {"email": email})
            return redirect(next_url)
    return render(request, template, {"form": form})


@rate_limited("email_code")
def register_start(request):
    if request.user.is_authenticated:
        return redirect("home")
    return _send_code_step(
        request,
        purpose=services.PURPOSE_REGISTER,
        session_key=SESSION_REGISTER_EMAIL,
        next_url=reverse("accounts:register_verify"),
        template="accounts/register_start.html",
    )


@rate_limited("register")
def register_verify(request):
    email = request.session.get(SESSION_REGISTER_EMAIL)
    if not email:
        return redirect("accounts:register")
    form = RegisterVerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_register(email=email, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            request.session.pop(SESSION_REGISTER_EMAIL, None)
            session_login(request, user, backend=BACKEND)
            messages.success(request, _("欢迎来到树洞，%(name)s。") % {"name": user.username})
            return redirect("home")
    return render(request, "accounts/register_verify.html", {"form": form, "email": email})


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("home")


@rate_limited("login")
def login_view(request):
    form = LoginForm(request.POST or None)
    ip = client_ip(request)
    need_captcha = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        attempt = services.LoginAttempt(
            login=data["login"], password=data["password"], ip=ip,
            captcha_key=data.get("captcha_key"), captcha_value=data.get("captcha_value"),
        )
        try:
            user = services.user_login(attempt=attempt, request=request, door="page")
        except DomainError as exc:
            add_domain_error(form, exc)
            need_captcha = isinstance(exc, CaptchaRequired)
        else:
            session_login(request, user, backend=BACKEND)
            return redirect(_safe_next(request))
        need_captcha = need_captcha or services.login_captcha_needed(login=data["login"], ip=ip)
    captcha_key = CaptchaStore.generate_key() if need_captcha else None
    if captcha_key:
        form.data = form.data.copy()
        form.data["captcha_key"] = captcha_key
        form.data["captcha_value"] = ""
    return render(
        request,
        "accounts/login.html",
        {"form": form, "captcha_key": captcha_key, "next": request.GET.get("next", request.POST.get("next", ""))},
    )


@require_POST
def logout_view(request):
    services.user_log_out(request=request)
    messages.info(request, _("你已退出登录。"))
    return redirect("home")


@rate_limited("email_code")
def password_reset_start(request):
    return _send_code_step(
        request,
        purpose=services.PURPOSE_RESET,
        session_key=SESSION_RESET_EMAIL,
        next_url=reverse("accounts:password_reset_confirm"),
        template="accounts/password_reset_start.html",
    )


@rate_limited("password_reset")
def password_reset_confirm(request):
    email = request.session.get(SESSION_RESET_EMAIL)
    if not email:
        return redirect("accounts:password_reset")
    form = PasswordResetConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_reset_password(email=email, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            request.session.pop(SESSION_RESET_EMAIL, None)
            messages.success(request, _("密码已重置，请用新密码登录。"))
            return redirect("accounts:login")
    return render(request, "accounts/password_reset_confirm.html", {"form": form, "email": email})


@login_required
def profile(request):
    return render(request, "accounts/profile.html", {"profile_user": request.user})


@login_required
def profile_edit(request):
    user = request.user
    initial = {"username": user.username, "gender": user.gender, "age": user.age, "bio": user.bio}
    form = ProfileForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changes = {"username": data["username"], "gender": data["gender"], "age": data["age"], "bio": data["bio"]}
            avatar_file = data.get("avatar")
            if avatar_file is False:  # the "clear" box of the file input
                changes["avatar_image_id"] = None
            elif avatar_file:
                image = services.avatar_hook("avatar_upload")(owner=user, uploaded_file=avatar_file)
                changes["avatar_image_id"] = image.pk
            services.user_update_profile(user=user, **changes)
        except DomainError as exc:
            if exc.fields and "file" in exc.fields:
                exc.fields = {"avatar": exc.fields["file"]}
            elif exc.code in ("payload_too_large", "unsupported_media_type"):
                exc.fields = {"avatar": [exc.message]}
            add_domain_error(form, exc)
            user.refresh_from_db()
        else:
            messages.success(request, _("资料已保存。"))
            return redirect("accounts:profile")
    return render(request, "accounts/profile_edit.html", {"form": form})


@login_required
@rate_limited("password_change")
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    ip = client_ip(request)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_change_password(user=request.user, ip=ip, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改，其他设备上的登录已失效。"))
            return redirect("accounts:profile")
    captcha_key = CaptchaStore.generate_key() if services.password_captcha_needed(user=request.user, ip=ip) else None
    return render(request, "accounts/password_change.html", {"form": form, "captcha_key": captcha_key})


@login_required
def account_delete(request):
    """注销账号: the password asked again (the same policy as every password door), then the
    account goes (accounts/deletion.py) and this browser is signed out."""
    form = AccountDeleteForm(request.POST or None)
    ip = client_ip(request)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                ratelimit.enforce("account_delete", request=request, user=request.user)
                deletion.user_delete(user=request.user, ip=ip, **form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                services.user_log_out(request=request)
                messages.info(request, _("你的账号已注销。匿名发布的内容仍然匿名；署名的内容显示为「已注销用户」。"))
                return redirect("home")
        else:
            status = 400
    captcha_key = CaptchaStore.generate_key() if services.password_captcha_needed(user=request.user, ip=ip) else None
    return render(request, "accounts/account_delete.html", {"form": form, "captcha_key": captcha_key}, status=status)


@login_required
@require_POST
def logout_everywhere(request):
    services.user_revoke_tokens(user=request.user)
    session_logout(request)
    messages.info(request, _("已在所有设备上退出登录。"))
    return redirect("accounts:login")


@login_required
def data_export(request):
    """The profile's 导出我的数据 button: the same streamed file as ``GET /api/v1/me/export``."""
    ratelimit.enforce("export", request=request, user=request.user)
    return streaming_response(request, export_chunks(request.user), filename=export_filename(request.user))



@rate_limited("login")
def admin_login(request):
    """/admin/login/: Django's admin login view with ``StaffLoginForm`` (accounts/admin.py sets it),
    behind the same ``login`` bucket as the other login doors, and the captcha shown when the
    (account, IP) pair needs it."""
    response = admin.site.login(request)
    context = getattr(response, "context_data", None)
    if request.method == "POST" and context is not None:
        form = context.get("form")
        login = request.POST.get("username", "")
        if getattr(form, "captcha_refused", False) or services.login_captcha_needed(login=login, ip=client_ip(request)):
            context["captcha_key"] = CaptchaStore.generate_key()
    return response
