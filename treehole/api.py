"""The JSON API's single entry point (django-ninja): renderer, authentication and the one
exception handler family that gives every error the contract's shape.

Apps contribute routers (``accounts/api.py``, ``notes/api.py``, …) mounted in ``treehole/urls.py``.
"""

from __future__ import annotations

import logging

import orjson
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import BaseRenderer

from treehole.errors import STATUS_CODES, DomainError, error_response, json_error

logger = logging.getLogger(__name__)


class OrjsonRenderer(BaseRenderer):
    """orjson: several times faster than json + DjangoJSONEncoder, and UTF-8 without escapes."""

    media_type = "application/json"
    charset = "utf-8"

    def render(self, request, data, *, response_status):
        return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] | None = None


class ErrorOut(Schema):
    """The contract's error body, for the OpenAPI schema of every endpoint's error answers."""

    error: ErrorDetail


api = NinjaAPI(
    title="Treehole API",
    version="1",
    description="心灵树洞 JSON API. IDs are strings; errors are `{error: {code, message, fields?}}`.",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    renderer=OrjsonRenderer(),
)


def _field_name(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path", "form", "file", "data")]
    return ".".join(parts) or "non_field_errors"


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        message = error.get("msg", "")
        if error.get("type") == "missing":
            message = _("此项为必填项。")
        fields.setdefault(_field_name(error.get("loc", ())), []).append(message)
    return json_error(400, "invalid", _("提交的数据有误。"), fields)


@api.exception_handler(AuthenticationError)
def _authentication_error(request: HttpRequest, exc: AuthenticationError):
    return json_error(401, "unauthenticated", _("请先登录。"))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError):
    code = STATUS_CODES.get(exc.status_code, "invalid")
    message = str(exc)
    if message.startswith("Cannot parse request body"):
        message = _("请求体不是有效的 JSON。")
    return json_error(exc.status_code, code, message)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError):
    return error_response(exc)


@api.exception_handler(DjangoValidationError)
def _django_validation_error(request: HttpRequest, exc: DjangoValidationError):
    return error_response(exc)


@api.exception_handler(PermissionDenied)
def _permission_denied(request: HttpRequest, exc: PermissionDenied):
    return error_response(exc)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception):
    return error_response(Http404())


@api.exception_handler(ObjectDoesNotExist)
def _does_not_exist(request: HttpRequest, exc: Exception):
    return error_response(Http404())


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception):
    if settings.DEBUG and getattr(settings, "API_RAISE_UNEXPECTED", False):
        raise exc
    logger.exception("Unhandled API error on %s %s", request.method, request.path)
    return json_error(500, "internal_error", _("服务器出错了，请稍后再试。"))
