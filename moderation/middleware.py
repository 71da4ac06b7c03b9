"""Tell a banned member why they were signed out.

A ban revokes every session (``accounts.services.user_ban`` bumps ``token_version``, which is part
of the session hash), so the member's next request arrives with a session that no longer signs
them in. Before Django drops it, this middleware reads whose it was; when that account is banned,
the page they land on says so — until when and why (the moderator's reason) — instead of a silent
sign-out. Placed after ``AuthenticationMiddleware`` and ``MessageMiddleware``; pages only (the API
answers 401 and, on a write, 403 ``banned``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.utils.translation import gettext as _

from accounts.models import User
from moderation.selectors import ban_latest
from treehole.middleware import API_PREFIX
from treehole.when import describe


def ban_notice(user, record) -> str:
    """The sentence a banned member reads: until when, and why."""
    reason = (record.reason if record is not None else "") or ""
    if user.banned_until is None:
        text = _("你的账号已被永久封禁，所以已退出登录。你仍然可以浏览，但不能发帖、评论、投票、上传或聊天。")
    else:
        text = _("你的账号已被封禁至 %(until)s，所以已退出登录。在此之前你仍然可以浏览，但不能发帖、评论、投票、上传或聊天。") % {
            "until": describe(user.banned_until).exact[:16],
        }
    if reason:
        text += " " + _("原因：%(reason)s") % {"reason": reason}
    return text


class BanNoticeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX) and hasattr(request, "session"):
            user_id = request.session.get(SESSION_KEY)
            if user_id is not None and not request.user.is_authenticated:
                self._notice(request, user_id)
        return self.get_response(request)

    @staticmethod
    def _notice(request, user_id) -> None:
        user = User.objects.filter(pk=user_id).first()
        if user is None or not user.ban_active:
            return
        messages.warning(request, ban_notice(user, ban_latest(user=user)))
