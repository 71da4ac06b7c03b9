"""The chat page. It renders the frame; ``static/js/chat.js`` loads history over the API and
talks to ``/ws/chat/`` with the session cookie."""

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.serializers import user_public
from moderation.care import care_card


def _texts() -> dict:
    # The script's words, translated here so the page has one source of strings.
    return {
        "connecting": _("连接中…"),
        "online": _("已连接"),
        "reconnecting": _("连接已断开，{s} 秒后重连"),
        "reconnectNow": _("立即重连"),
        "offline": _("网络已断开，等待网络恢复"),
        "signedOut": _("登录已失效"),
        "signIn": _("重新登录"),
        "loading": _("加载中…"),
        "loadOlder": _("向上滚动加载更早的消息"),
        "noOlder": _("没有更早的消息了"),
        "loadFailed": _("加载失败，点此重试"),
        "sending": _("发送中…"),
        "failed": _("发送失败"),
        "retry": _("重试"),
        "tooLong": _("消息最多 {n} 个字"),
        "notConnected": _("还没连上，稍后再发"),
        "counter": _("{n}/{max}"),
        "avatar": _("头像"),
    }


def room(request):
    config = None
    if request.user.is_authenticated:
        config = {
            "ws_path": "/ws/chat/",
            "messages_url": "/api/v1/chat/messages",
            "online_url": "/api/v1/chat/online",
            "login_url": reverse("accounts:login") + "?next=" + request.path,
            "me": user_public(request.user),
            "ping_interval_ms": int(settings.WS_PING_INTERVAL * 1000),
            "max_length": settings.TREEHOLE_LIMITS["chat_message"],
            "page_size": settings.CHAT_HISTORY_LIMIT_DEFAULT,
            "text": _texts(),
        }
    # The care card the room shows its writer after a message with a crisis phrase (a "care" frame).
    care = care_card() if config else None
    return render(request, "chat/room.html", {"chat_config": config, "care": care})
