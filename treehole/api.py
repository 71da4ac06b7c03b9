"""The JSON API's single entry point (django-ninja): renderer, authentication and the one
exception handler family that gives every error the contract's shape.

Apps contribute routers (``accounts/api.py``, ``notes/api.py``, …) mounted in ``treehole/urls.py``.
"""

from __future__ import annotations

import json
import logging

import orjson
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.renderers import BaseRenderer
from redis.exceptions import RedisError

from treehole.errors import STATUS_CODES, DomainError, error_response, json_error
from treehole.text import lone_surrogate_path

logger = logging.getLogger(__name__)


class OrjsonRenderer(BaseRenderer):
    """orjson: several times faster than json + DjangoJSONEncoder, and UTF-8 without escapes."""

    media_type = "application/json"
    charset = "utf-8"

    def render(self, request, data, *, response_status):
        return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)


class UnstorableText(ValueError):
    """A JSON body with a lone surrogate somewhere (``"\\ud800"``): MySQL cannot store it and it
    cannot be echoed back as UTF-8, whichever field it is in."""

    def __init__(self, path: tuple):
        self.path = path
        super().__init__(path)


class JsonParser(Parser):
    """ninja's parser, refusing a document that holds a lone surrogate before any schema sees it
    (every string field also goes through ``treehole.text``; this catches lists, ids and keys)."""

    def parse_body(self, request):
        data = json.loads(request.body)
        path = lone_surrogate_path(data)
        if path is not None:
            raise UnstorableText(path)
        return data


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
    parser=JsonParser(),
)


def _field_name(loc) -> str:
    """The form-style name of a field: list indexes are left out (``image_ids``, not ``image_ids.1``)."""
    parts = [str(p) for p in loc if not isinstance(p, int) and p not in ("body", "payload", "query", "path", "form", "file", "data")]
    return ".".join(parts) or "non_field_errors"


def _message(error: dict) -> str:
    """pydantic's message for a field, in the reader's language for the common kinds."""
    kind, ctx = error.get("type"), error.get("ctx") or {}
    if kind == "missing":
        return _("此项为必填项。")
    if kind == "string_too_long":
        return _("最多 %(n)d 个字。") % {"n": ctx.get("max_length", 0)}
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return _("不能为空。")
        return _("至少 %(n)d 个字。") % {"n": ctx.get("min_length", 0)}
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bound = next(iter(ctx.values()), "")
        symbol = {"greater_than_equal": "≥", "less_than_equal": "≤", "greater_than": ">", "less_than": "<"}[kind]
        return _("应 %(symbol)s %(bound)s。") % {"symbol": symbol, "bound": bound}
    if kind == "string_pattern_mismatch":
        return _("格式不对。")
    if kind in ("literal_error", "enum"):
        return _("只能是 %(expected)s。") % {"expected": ctx.get("expected", "")}
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("应为整数。")
    if kind in ("string_type", "string_unicode"):
        return _("应为文字。")
    if kind in ("bool_parsing", "bool_type"):
        return _("应为 true 或 false。")
    return error.get("msg", "")


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        fields.setdefault(_field_name(error.get("loc", ())), []).append(_message(error))
    return json_error(400, "invalid", _("提交的数据有误。"), fields)


@api.exception_handler(AuthenticationError)
def _authentication_error(request: HttpRequest, exc: AuthenticationError):
    return json_error(401, "unauthenticated", _("请先登录。"))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError):
    if isinstance(exc.__cause__, UnstorableText):
        message = _("含有无法保存的字符（不成对的 UTF-16 代理项）。")
        # A key may itself hold the surrogate: name it escaped, so the answer is valid UTF-8.
        field = _field_name(exc.__cause__.path).encode("utf-8", "backslashreplace").decode("utf-8")
        return json_error(400, "invalid", message, {field: [message]})
    code = STATUS_CODES.get(exc.status_code, "invalid")
    message = str(exc)
    if message.startswith("Cannot parse request body"):
        message = _("请求体不是有效的 JSON。")
    return json_error(exc.status_code, code, message)


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return json_error(413, "payload_too_large", _("请求体不能超过 %(kb)d KB。") % {"kb": limit // 1024})


@api.exception_handler(MultiPartParserError)
def _bad_multipart(request: HttpRequest, exc: MultiPartParserError):
    return json_error(400, "invalid", _("multipart 请求体格式不对（缺少 boundary 或已损坏）。"))


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


@api.exception_handler(RedisError)
def _redis_error(request: HttpRequest, exc: RedisError):
    return error_response(exc)


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception):
    if settings.DEBUG and getattr(settings, "API_RAISE_UNEXPECTED", False):
        raise exc
    logger.exception("Unhandled API error on %s %s", request.method, request.path)
    return json_error(500, "internal_error", _("服务器出错了，请稍后再试。"))
