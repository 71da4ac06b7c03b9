"""Domain errors and the contract's error shape.

Services raise these (or Django's ``ValidationError`` / ``PermissionDenied`` / ``ObjectDoesNotExist``);
``error_response`` turns any of them into
``{"error": {"code", "message", "fields"?}}`` with the contract's status, so every door (API
handler, middleware, HTML views that want JSON) answers the same way.
"""

from __future__ import annotations

import logging
import math

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class DomainError(Exception):
    code = "invalid"
    status = 400
    default_message = gettext_lazy("请求无效。")

    def __init__(self, message=None, *, fields: dict | None = None, retry_after: float | None = None):
        self.message = str(message) if message is not None else str(self.default_message)
        self.fields = fields
        self.retry_after = retry_after
        super().__init__(self.message)


class InvalidInput(DomainError):
    code, status, default_message = "invalid", 400, gettext_lazy("请求无效。")


class Unauthenticated(DomainError):
    code, status, default_message = "unauthenticated", 401, gettext_lazy("请先登录。")


class InvalidCredentials(DomainError):
    code, status, default_message = "invalid_credentials", 401, gettext_lazy("账号或密码错误。")


class TokenExpired(DomainError):
    code, status, default_message = "token_expired", 401, gettext_lazy("登录已过期，请重新登录。")


class Forbidden(DomainError):
    code, status, default_message = "forbidden", 403, gettext_lazy("你没有权限这样做。")


class Banned(DomainError):
    code, status, default_message = "banned", 403, gettext_lazy("你的账号已被封禁。")


class NotFound(DomainError):
    code, status, default_message = "not_found", 404, gettext_lazy("没有找到。")


class Conflict(DomainError):
    code, status, default_message = "conflict", 409, gettext_lazy("与现有数据冲突。")


class PayloadTooLarge(DomainError):
    code, status, default_message = "payload_too_large", 413, gettext_lazy("内容太大。")


class UnsupportedMediaType(DomainError):
    code, status, default_message = "unsupported_media_type", 415, gettext_lazy("不支持的文件类型。")


class CaptchaRequired(DomainError):
    code, status, default_message = "captcha_required", 400, gettext_lazy("请输入图片验证码。")


class Locked(DomainError):
    code, status, default_message = "locked", 423, gettext_lazy("尝试次数过多，请稍后再试。")


class RateLimited(DomainError):
    code, status, default_message = "rate_limited", 429, gettext_lazy("操作太频繁，请稍后再试。")


class Unavailable(DomainError):
    code, status, default_message = "unavailable", 503, gettext_lazy("服务暂时不可用。")


STATUS_CODES = {
    400: "invalid",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "invalid",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    423: "locked",
    429: "rate_limited",
    503: "unavailable",
}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def json_error(status: int, code: str, message: str, fields=None, retry_after=None) -> JsonResponse:
    response = JsonResponse(error_body(code, message, fields), status=status, json_dumps_params={"ensure_ascii": False})
    if retry_after is not None:
        response["Retry-After"] = str(max(1, math.ceil(retry_after)))
    return response


def validation_fields(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in ValidationError(errors).messages] for field, errors in exc.error_dict.items()}
    return {"non_field_errors": [str(m) for m in exc.messages]}


def error_response(exc: BaseException) -> JsonResponse | None:
    """The contract's answer for a known exception, or None for an unexpected one."""
    if isinstance(exc, DomainError):
        return json_error(exc.status, exc.code, exc.message, exc.fields, exc.retry_after)
    if isinstance(exc, ValidationError):
        fields = validation_fields(exc)
        return json_error(400, "invalid", _("提交的数据有误。"), fields)
    if isinstance(exc, PermissionDenied):
        return json_error(403, "forbidden", str(exc) or str(Forbidden.default_message))
    if isinstance(exc, (Http404, ObjectDoesNotExist)):
        return json_error(404, "not_found", str(NotFound.default_message))
    if isinstance(exc, RedisError):
        # A path without its own fallback met a Redis outage: 503 in the contract's shape, never
        # 500 (reads fall back to MariaDB and writes commit before their Redis effects; this is the net).
        logger.warning("Redis failed under a request (%s: %s): answered 503", exc.__class__.__name__, exc)
        return json_error(503, "unavailable", str(Unavailable.default_message))
    return None
