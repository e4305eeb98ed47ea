"""The versioned JSON API root: one ``NinjaAPI`` at ``/api/v1/``, one Router per domain app.

Errors leave the API in one shape, ``{"code", "message", "message_en", "field"}`` (plus
``errors`` for several fields and ``request_id``), decided here and nowhere else.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.renderers import BaseRenderer

from zhengwu.accounts.auth import api_auth
from zhengwu.config.middleware import current_request_id
from zhengwu.kernel.errors import DomainError, FieldError, InvalidInput, http_status

logger = logging.getLogger("zhengwu.api")


class OrjsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        # PostgreSQL text cannot hold NUL; no field of the platform has a use for one.
        if b"\\u0000" in request.body or b"\x00" in request.body:
            raise InvalidInput(
                "请求中含有不允许的空字符（NUL）",
                "The request contains a NUL character, which no field accepts",
                field="body",
                code="nul_character",
            )
        try:
            data = orjson.loads(request.body)
        except orjson.JSONDecodeError as exc:
            raise InvalidInput(
                "请求体不是合法的 JSON",
                "The request body is not valid JSON",
                field="body",
                code="malformed_json",
            ) from exc
        # A bare null, number or string would read as "no fields given" and act on defaults.
        if not isinstance(data, dict):
            raise InvalidInput(
                "请求体应为 JSON 对象",
                "The request body must be a JSON object",
                field="body",
                code="malformed_json",
            )
        return data


class OrjsonRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)


api = NinjaAPI(
    title="zhengwu 政务服务平台 API",
    version="1",
    description=(
        "一体化政务服务平台接口。错误统一返回 `{code, message, message_en, field}`。\n\n"
        "Integrated government service platform API. Every error body is "
        "`{code, message, message_en, field}` with the message in Chinese and English."
    ),
    urls_namespace="api",
    parser=OrjsonParser(),
    renderer=OrjsonRenderer(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    # Authenticated unless an endpoint says auth=None: a bearer token or a session (+CSRF).
    auth=api_auth,
)


def error_response(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    body = {**body, "request_id": current_request_id()}
    return api.create_response(request, body, status=status)


# --- pydantic error types → bilingual messages --------------------------------------------
_PYDANTIC_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("缺少必填项", "This field is required"),
    "string_too_long": ("超过最大长度", "Too long"),
    "string_too_short": ("长度不足", "Too short"),
    "string_type": ("应为文本", "Must be a string"),
    "string_pattern_mismatch": ("格式不正确", "Wrong format"),
    "int_parsing": ("应为整数", "Must be a whole number"),
    "int_type": ("应为整数", "Must be a whole number"),
    "float_parsing": ("应为数字", "Must be a number"),
    "bool_parsing": ("应为真或假", "Must be true or false"),
    "bool_type": ("应为真或假", "Must be true or false"),
    "date_from_datetime_parsing": ("日期格式不正确", "Not a valid date"),
    "date_parsing": ("日期格式不正确", "Not a valid date"),
    "datetime_parsing": ("时间格式不正确", "Not a valid date-time"),
    "literal_error": ("不是允许的取值", "Not one of the allowed values"),
    "enum": ("不是允许的取值", "Not one of the allowed values"),
    "greater_than_equal": ("数值过小", "Too small"),
    "less_than_equal": ("数值过大", "Too large"),
    "too_long": ("项目过多", "Too many items"),
    "list_type": ("应为列表", "Must be a list"),
    "dict_type": ("应为对象", "Must be an object"),
    "model_attributes_type": ("应为对象", "Must be an object"),
    "extra_forbidden": ("不允许的字段", "Unknown field"),
    "value_error": ("取值无效", "Invalid value"),
}


def _field_name(loc: list[Any]) -> str:
    # ninja prefixes the source ("body", "query", "path") and the parameter name.
    parts = [str(p) for p in loc]
    if len(parts) >= 2 and parts[0] in ("body", "query", "path", "form", "header", "cookie"):
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    return ".".join(parts) or "body"


def _validation_field_errors(errors: list[dict[str, Any]]) -> list[FieldError]:
    result = []
    for err in errors:
        kind = str(err.get("type", "value_error"))
        zh, en = _PYDANTIC_MESSAGES.get(kind, ("输入无效", "Invalid input"))
        ctx = err.get("ctx") or {}
        if kind in ("string_too_long", "too_long") and "max_length" in ctx:
            zh, en = f"{zh}（最多 {ctx['max_length']}）", f"{en} (at most {ctx['max_length']})"
        elif kind == "value_error" and err.get("msg"):
            en = str(err["msg"]).removeprefix("Value error, ")
        result.append(FieldError(_field_name(list(err.get("loc", []))), kind, zh, en))
    return result


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error_response(request, http_status(exc), exc.as_dict())


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    error = InvalidInput.from_errors(_validation_field_errors(exc.errors))
    return error_response(request, 422, error.as_dict())


@api.exception_handler(AuthenticationError)
def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        request,
        401,
        {
            "code": "unauthenticated",
            "message": "需要登录或有效的访问令牌",
            "message_en": "Authentication required: log in or send a valid API token",
            "field": None,
        },
    )


@api.exception_handler(AuthorizationError)
def _authorization_error(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    return error_response(
        request,
        403,
        {
            "code": "not_allowed",
            "message": "无权执行此操作",
            "message_en": "You are not allowed to do this",
            "field": None,
        },
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, DomainError):  # e.g. malformed JSON raised by our parser
        return error_response(request, 400, cause.as_dict())
    return error_response(
        request,
        exc.status_code,
        {"code": "http_error", "message": str(exc), "message_en": str(exc), "field": None},
    )


@api.exception_handler(DataError)
def _data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    # The database refused a value the validation let through (e.g. a NUL byte in a path):
    # the request is at fault, and the transaction has already been rolled back.
    logger.warning("database refused a value in %s %s: %s", request.method, request.path, exc)
    return error_response(
        request,
        422,
        {
            "code": "invalid_value",
            "message": "提交的内容含有数据库无法保存的值",
            "message_en": "The request holds a value that cannot be stored",
            "field": None,
        },
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(
        request,
        404,
        {"code": "not_found", "message": "未找到", "message_en": "Not found", "field": None},
    )


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unexpected error in API call %s %s", request.method, request.path)
    return error_response(
        request,
        500,
        {
            "code": "internal_error",
            "message": "服务器内部错误，已记录，请稍后再试",
            "message_en": "Internal error; it has been logged. Please try again later",
            "field": None,
        },
    )


def _mount_routers() -> None:
    from zhengwu.accounts.api import router as accounts_router
    from zhengwu.cases.api import router as cases_router
    from zhengwu.catalog.api import router as catalog_router
    from zhengwu.catalog.api_manage import router as catalog_manage_router
    from zhengwu.catalog.api_search import router as catalog_search_router
    from zhengwu.dossiers.api import router as dossiers_router
    from zhengwu.hotline.api import router as hotline_router
    from zhengwu.licences.api import router as licences_router
    from zhengwu.licences.api_verify import router as licences_verify_router
    from zhengwu.licences.api_wallet import router as licences_wallet_router
    from zhengwu.metrics.api import router as metrics_router
    from zhengwu.org.api import router as org_router
    from zhengwu.ratings.api import router as ratings_router

    api.add_router("/accounts", accounts_router)
    api.add_router("/org", org_router)
    api.add_router("/catalog", catalog_search_router)
    api.add_router("/catalog", catalog_router)
    api.add_router("/catalog/manage", catalog_manage_router)
    api.add_router("/cases", cases_router)
    api.add_router("/hotline", hotline_router)
    api.add_router("/licences", licences_verify_router)
    api.add_router("/licences", licences_wallet_router)
    api.add_router("/licences", licences_router)
    api.add_router("/dossiers", dossiers_router)
    api.add_router("/ratings", ratings_router)
    api.add_router("/metrics", metrics_router)


_mount_routers()


def grouped_urls(
    urls: tuple[list[URLPattern | URLResolver], str, str],
) -> tuple[list[URLPattern | URLResolver], str, str]:
    """``api.urls`` with each router's routes behind one prefix, for ``path("api/v1/", …)``.

    django-ninja lists every operation flat under the API's prefix, so Django tries the
    patterns one by one and a hotline or licence request is matched against a hundred
    routes of other domains first (≈ 130 µs per request here for ``/hotline/tickets``).
    Consecutive routes that share their first literal segment — one router, or several
    mounted on the same prefix — are put behind an ``include`` of that segment instead,
    in the same order, so a request tries the dozen prefixes and then only its own domain's
    routes. Names are unchanged (an ``include`` of a list adds no namespace), so ``reverse``
    and the OpenAPI document are as before.
    """
    patterns, app_name, namespace = urls
    grouped: list[URLPattern | URLResolver] = []
    run_head: str | None = None
    run: list[URLPattern] = []

    def close_run() -> None:
        if run_head is not None:
            grouped.append(path(f"{run_head}/", include(list(run))))
            run.clear()

    for pattern in patterns:
        head, slash, rest = str(pattern.pattern).partition("/")
        if isinstance(pattern, URLPattern) and slash and rest and "<" not in head:
            if head != run_head:
                close_run()
                run_head = head
            run.append(path(rest, pattern.callback, pattern.default_args, name=pattern.name))
        else:
            close_run()
            run_head = None
            grouped.append(pattern)
    close_run()
    return grouped, app_name, namespace


def not_found_response(request: HttpRequest) -> HttpResponse:
    """The 404 of a path under ``/api/`` that no endpoint serves, in the API's error shape."""
    return error_response(
        request,
        404,
        {
            "code": "not_found",
            "message": "没有这个接口",
            "message_en": "No such API endpoint",
            "field": "path",
        },
    )
