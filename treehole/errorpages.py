"""The answers to a request that went wrong: 400, 403, 404, 500 and a failed CSRF check.

Pages get a friendly page in the site's style and language (``templates/404.html`` …); paths
under ``/api/`` keep the contract's JSON error shape. Wired in ``treehole/urls.py``
(``handler404`` …) and ``CSRF_FAILURE_VIEW`` (treehole/settings/security.py).

- **500** is rendered from ``templates/500.html`` with a bare ``Context``: no request, no context
  processor, no database or Redis query (whatever broke may be what they need), and if even that
  template fails, a fixed HTML string.
- **CSRF failure** (a token gone stale: the tab was open across a logout, the cookie was cleared,
  the session expired) must not throw away what the person typed. When the refused POST came from
  this site (``Origin`` or ``Referer`` names this host), the page shows the submitted fields again —
  passwords left out, files named but not kept — in a form with a fresh token that posts to the
  same address, so one more click sends it. A POST from another origin gets the page without the
  form: re-offering a stranger's form with a valid token would do the forger's work.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden, HttpResponseNotFound, HttpResponseServerError
from django.template import Context, loader
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from treehole.errors import json_error
from treehole.middleware import API_PREFIX

logger = logging.getLogger(__name__)

# Fields a CSRF retry never shows again (their values are not echoed into a page).
SECRET_FIELD_WORDS = ("password", "secret", "token", "captcha")
# Fields the person did not type (sent back as they came, out of sight).
TECHNICAL_FIELDS = {"csrfmiddlewaretoken", "next", "image_ids", "video_id", "reply_to", "language", "purpose"}
# Fields a person types into; other values (a category slug, a checkbox's "on") go back hidden.
TEXT_FIELDS = {"title", "content", "text", "bio", "q", "login", "username", "email", "code", "age"}
# Longer than this, or with a line break, a value is shown in a textarea.
SHORT_VALUE = 80

FALLBACK_500 = (
    '<!doctype html><html lang="zh-hans"><meta charset="utf-8"><title>服务器出错了 · 心灵树洞</title>'
    "<h1>服务器出错了</h1><p>树洞遇到了一点问题，请稍后再试。Something went wrong; please try again later.</p>"
    '<p><a href="/">回到首页 · Home</a></p><p>全国心理援助热线 12356 · 希望24热线 400-161-9995 · 紧急情况请拨打 110 / 120</p>'
)


def is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _page(request, template: str, status: int, context: dict | None = None) -> HttpResponse:
    response = TemplateResponse(request, template, context or {}, status=status)
    return response.render()


@requires_csrf_token
def bad_request(request, exception=None):
    if is_api(request):
        return json_error(400, "invalid", _("请求无效。"))
    try:
        return _page(request, "400.html", 400)
    except Exception:  # noqa: BLE001 - a broken page must not turn a 400 into a 500
        logger.exception("Could not render the 400 page")
        return HttpResponseBadRequest(_("请求无效。"))


@requires_csrf_token
def permission_denied(request, exception=None):
    message = str(exception) if exception is not None and str(exception) else ""
    if is_api(request):
        return json_error(403, "forbidden", message or _("你没有权限这样做。"))
    try:
        return _page(request, "403.html", 403, {"message": message})
    except Exception:  # noqa: BLE001
        logger.exception("Could not render the 403 page")
        return HttpResponseForbidden(_("你没有权限这样做。"))


@requires_csrf_token
def page_not_found(request, exception=None):
    if is_api(request):
        return json_error(404, "not_found", _("没有这个接口。"))
    try:
        return _page(request, "404.html", 404, {"request_path": request.path})
    except Exception:  # noqa: BLE001
        logger.exception("Could not render the 404 page")
        return HttpResponseNotFound(_("没有找到这个页面。"))


def server_error(request=None):
    """Rendered with nothing that can fail: no request, no context processors, no queries."""
    if request is not None and is_api(request):
        return json_error(500, "internal_error", _("服务器出错了，请稍后再试。"))
    try:
        html = loader.get_template("500.html").template.render(Context({}))
    except Exception:  # noqa: BLE001 - the last resort must answer
        logger.exception("Could not render the 500 page")
        html = FALLBACK_500
    return HttpResponseServerError(html)


def _same_origin(request) -> bool:
    """Did the refused POST come from one of this site's own pages?"""
    source = request.META.get("HTTP_ORIGIN") or request.META.get("HTTP_REFERER") or ""
    if not source or source == "null":
        return False
    try:
        host = request.get_host()
    except Exception:  # noqa: BLE001 - DisallowedHost: not ours
        return False
    return urlsplit(source).netloc == host


def _is_secret(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SECRET_FIELD_WORDS)


def retry_fields(request) -> tuple[list[dict], list[dict], list[str], list[str]]:
    """What the refused form carried: (shown fields, hidden fields, secret field names dropped,
    file field names not kept)."""
    shown, hidden, secrets = [], [], []
    for name in request.POST:
        if name == "csrfmiddlewaretoken":
            continue
        if _is_secret(name):
            secrets.append(name)
            continue
        for value in request.POST.getlist(name):
            typed = name in TEXT_FIELDS or any(c.isspace() or not c.isascii() for c in value)
            if name in TECHNICAL_FIELDS or not typed:
                hidden.append({"name": name, "value": value})
            else:
                long = len(value) > SHORT_VALUE or "\n" in value
                shown.append({"name": name, "value": value, "long": long, "id": f"retry-{name}-{len(shown)}"})
    files = [name for name in request.FILES]
    return shown, hidden, secrets, files


# Labels for the fields of the site's forms; anything else is shown under its own name.
def _labels() -> dict[str, str]:
    return {
        "title": _("标题"), "content": _("内容"), "category": _("分类"), "anonymous": _("匿名"),
        "login": _("邮箱或用户名"), "email": _("邮箱"), "username": _("用户名"), "code": _("邮箱验证码"),
        "bio": _("简介"), "gender": _("性别"), "age": _("年龄"), "text": _("补充说明"), "reason": _("原因"),
        "q": _("搜索"), "password": _("密码"), "old_password": _("原密码"), "new_password": _("新密码"),
    }


@requires_csrf_token
def csrf_failure(request, reason: str = ""):
    if is_api(request):
        return json_error(403, "forbidden", _("CSRF 校验失败，请刷新页面后重试。"))
    context = {"reason": reason, "offer_retry": False}
    if request.method == "POST" and _same_origin(request):
        shown, hidden, secrets, files = retry_fields(request)
        labels = _labels()
        for field in shown:
            field["label"] = labels.get(field["name"], field["name"])
        context.update(
            offer_retry=True,
            action=request.get_full_path(),
            shown=shown,
            hidden=hidden,
            secrets=[{"name": name, "label": labels.get(name, name), "id": f"retry-{name}"} for name in secrets],
            files=[labels.get(name, name) for name in files],
        )
    try:
        return _page(request, "csrf_failure.html", 403, context)
    except Exception:  # noqa: BLE001
        logger.exception("Could not render the CSRF failure page")
        return HttpResponseForbidden(_("页面已过期，请刷新后重试。"))
