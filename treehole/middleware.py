"""Project-wide middleware."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from treehole.errors import STATUS_CODES, error_response, json_error

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


class ApiErrorShapeMiddleware:
    """Under /api/, every non-2xx answer has the contract's error body — including the ones
    no API view produced: unknown paths (404), wrong methods (405), CSRF failures and crashes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        status = response.status_code
        messages = {
            404: _("没有这个接口。"),
            405: _("这个接口不支持 %(method)s 方法。") % {"method": request.method},
            403: _("CSRF 校验失败，请刷新页面后重试。"),
        }
        shaped = json_error(status, STATUS_CODES.get(status, "internal_error" if status >= 500 else "invalid"),
                            messages.get(status, _("服务器出错了，请稍后再试。") if status >= 500 else _("请求无效。")))
        if status == 405 and response.has_header("Allow"):
            shaped["Allow"] = response["Allow"]
        return shaped

    def process_exception(self, request, exception):
        if not request.path.startswith(API_PREFIX):
            return None
        if isinstance(exception, RequestDataTooBig):
            return json_error(413, "payload_too_large", _("请求体太大。"))
        if isinstance(exception, MultiPartParserError):
            return json_error(400, "invalid", _("multipart 请求体格式不对（缺少 boundary 或已损坏）。"))
        known = error_response(exception)
        if known is not None:
            return known
        if settings.DEBUG and getattr(settings, "API_RAISE_UNEXPECTED", False):
            return None
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        return json_error(500, "internal_error", _("服务器出错了，请稍后再试。"))


class PrivateAnswersMiddleware:
    """An answer to a signed-in request (a session cookie or an Authorization header) is the
    member's own — ``is_me`` on their anonymous notes, 我的选择, their notifications — and no cache
    keeps it: ``Cache-Control: private, no-store`` unless the view chose its own. Without it the
    browser's cache (or a shared proxy) would hand the author's page, marked as theirs, to the next
    person at the same computer after the sign-out. Signed-out answers are left to the views."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" not in response and (
                "HTTP_AUTHORIZATION" in request.META or settings.SESSION_COOKIE_NAME in request.COOKIES):
            response["Cache-Control"] = "private, no-store"
        return response
