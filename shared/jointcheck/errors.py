"""Domain errors and their RFC 9457 ``application/problem+json`` rendering.

Services raise :class:`DomainError` subclasses, never ``HTTPException``. One set of
handlers (installed by :func:`install_error_handlers`) renders them, request
validation errors (422 listing every field) and unhandled errors (500 with the
request id, no stack trace) as problem documents. ``title`` and ``detail`` follow
``Accept-Language`` (zh-CN or en); the machine ``code`` never changes.
"""

from __future__ import annotations

import json
import logging
from typing import Any, ClassVar, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ConfigDict, Field
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from jointcheck.observability import get_request_id
from jointcheck.schemas import Schema

log = logging.getLogger("jointcheck.errors")

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_BASE = "https://jointcheck.example.gov.cn/problems/"


class DomainError(Exception):
    """Base of every error a service raises on purpose.

    ``code`` is stable and machine-readable; ``status`` the HTTP status; ``title``
    a short bilingual summary; ``detail`` says what happened in this instance.
    """

    status: int = 400
    code: str = "bad_request"
    title_en: str = "Bad request"
    title_zh: str = "请求有误"

    def __init__(
        self,
        detail: str | None = None,
        *,
        detail_zh: str | None = None,
        code: str | None = None,
        status: int | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title_en)
        self.detail = detail
        self.detail_zh = detail_zh
        if code:
            self.code = code
        if status:
            self.status = status
        self.extra = extra or {}
        self.headers = headers or {}


class BadRequest(DomainError):
    status, code, title_en, title_zh = 400, "bad_request", "Bad request", "请求有误"


class Unauthorized(DomainError):
    status, code, title_en, title_zh = 401, "unauthorized", "Authentication required", "需要身份认证"

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kw)


class Forbidden(DomainError):
    status, code, title_en, title_zh = 403, "forbidden", "Not allowed", "无权执行此操作"


class NotFound(DomainError):
    status, code, title_en, title_zh = 404, "not_found", "Not found", "资源不存在"


class Conflict(DomainError):
    status, code, title_en, title_zh = 409, "conflict", "Conflict", "与当前状态冲突"


class InvalidState(Conflict):
    """A state-machine transition attempted from the wrong state."""

    code, title_en, title_zh = "invalid_state", "Invalid state transition", "当前状态不允许此操作"

    def __init__(self, detail: str | None = None, *, current_state: str, **kw: Any) -> None:
        extra = kw.pop("extra", {}) | {"current_state": current_state}
        super().__init__(detail, extra=extra, **kw)


class PreconditionFailed(DomainError):
    status, code, title_en, title_zh = 412, "precondition_failed", "Precondition failed", "前置条件不满足"


class PreconditionRequired(DomainError):
    status, code, title_en, title_zh = 428, "precondition_required", "If-Match required", "缺少 If-Match 请求头"


class UnprocessableEntity(DomainError):
    """Input that is well-formed but breaks a rule. ``errors`` lists every problem."""

    status, code, title_en, title_zh = 422, "validation_failed", "Validation failed", "数据校验未通过"

    def __init__(self, detail: str | None = None, *, errors: list[dict[str, Any]] | None = None, **kw: Any) -> None:
        extra = kw.pop("extra", {})
        if errors is not None:
            extra = extra | {"errors": errors}
        super().__init__(detail, extra=extra, **kw)


class UpstreamUnavailable(DomainError):
    status, code, title_en, title_zh = (
        503,
        "upstream_unavailable",
        "A service this call depends on is unavailable",
        "依赖的服务暂不可用",
    )


class PayloadTooLarge(DomainError):
    status, code, title_en, title_zh = 413, "payload_too_large", "Payload too large", "请求体过大"


class FieldError(Schema):
    """One refused input of a problem's ``errors``: where it is and why it was refused."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "field": "body.uscc",
                    "message": "check character mismatch",
                    "message_zh": "校验码错误",
                    "type": "value_error",
                    "input": "91411523MA00000000",
                }
            ]
        },
    )

    field: str = Field(description="where: `body.uscc`, `query.limit`, `header.If-Match`… / 出错的字段")
    message: str = Field(description="why, in English / 原因（英文）")
    message_zh: str | None = Field(None, description="why, in Chinese (where the rule gives it) / 原因（中文）")
    type: str | None = Field(None, description="the rule that refused it (request validation) / 校验规则")
    input: Any = Field(None, description="the refused value, at most 200 characters / 被拒绝的取值（截断）")
    reason: str | None = Field(None, description="a machine reason, where the rule has one / 原因代码")


class Problem(Schema):
    """RFC 9457 problem details, with a stable machine `code`. `title` and `detail` follow
    `Accept-Language` (zh-CN by default, or en); `code` never changes. Problem types with
    members of their own have their own schema (`...Problem`), listed with the routes that
    raise them. 错误响应（RFC 9457），`code` 稳定不变。"""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": PROBLEM_TYPE_BASE + "request_validation_failed",
                    "title": "请求数据校验未通过",
                    "status": 422,
                    "code": "request_validation_failed",
                    "detail": "以下字段有误：body.name",
                    "instance": "/v1/departments",
                    "request_id": "5f0c6b1e9a2d4c7e",
                    "errors": [{"field": "body.name", "message": "Field required", "type": "missing"}],
                }
            ]
        }
    )

    type: str = Field(description="`https://jointcheck.example.gov.cn/problems/<code>`")
    title: str
    status: int
    code: str = Field(description="stable machine code / 稳定的错误代码")
    detail: str | None = None
    instance: str | None = Field(None, description="the request path / 请求路径")
    request_id: str | None = Field(None, description="quote it to the operators / 请求编号")
    errors: list[FieldError] | None = Field(None, description="every refused input / 逐项列出的错误")

    #: The statuses this problem type comes with (each subclass says its own).
    answers: ClassVar[tuple[int, ...]] = (400, 401, 403, 404, 409, 412, 413, 422, 428, 500, 502, 503)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        other = PROBLEM_TYPES.get(cls.__name__)
        if other is not None and other.__module__ != cls.__module__:
            raise TypeError(f"two problem types named {cls.__name__}: {other.__module__} and {cls.__module__}")
        PROBLEM_TYPES[cls.__name__] = cls


#: Every problem type with members of its own (each a subclass of :class:`Problem`, named
#: ``<Something>Problem``, its ``code`` a ``Literal`` of the codes it describes), by class name.
#: A service's document shows the platform's and its own (``jointcheck.openapi``).
PROBLEM_TYPES: dict[str, type[Problem]] = {}


def _example(code: str, status: int, title: str, detail: str, instance: str, **members: Any) -> dict[str, Any]:
    return {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "code": code,
        "detail": detail,
        "instance": instance,
        "request_id": "5f0c6b1e9a2d4c7e",
        **members,
    }


def problem_examples(*examples: dict[str, Any]) -> ConfigDict:
    """The ``model_config`` of a problem type: its examples in the OpenAPI."""
    return ConfigDict(json_schema_extra={"examples": list(examples)})


class InvalidStateProblem(Problem):
    """409: the action is not allowed in the record's current state. 当前状态不允许此操作。"""

    model_config = problem_examples(
        _example(
            "invalid_state",
            409,
            "当前状态不允许此操作",
            "a published plan cannot move to filed",
            "/v1/plans/0b6f6c55-2f7a-4a53-9d7e-3f7f2b1c9a10/transitions",
            current_state="published",
        )
    )

    answers = (409,)
    code: Literal["invalid_state"]
    current_state: str = Field(description="the state the record is in / 记录当前所处状态")


class EtagMismatchProblem(Problem):
    """412: the record changed since the ETag sent in `If-Match` was read. 记录已被他人修改。"""

    model_config = problem_examples(
        _example(
            "etag_mismatch",
            412,
            "前置条件不满足",
            "entity changed since (now at version 43)",
            "/v1/entities/91411523MA00000018",
            current_etag='"43"',
        )
    )

    answers = (412,)
    code: Literal["etag_mismatch"]
    current_etag: str = Field(description="the record's ETag now: read it again, then retry / 当前 ETag")


class PayloadTooLargeProblem(Problem):
    """413: the body passed the route's limit. 请求体超过上限。"""

    model_config = problem_examples(
        _example(
            "payload_too_large",
            413,
            "请求体过大",
            "the request body exceeds the limit of 1048576 bytes",
            "/v1/entities",
            limit_bytes=1048576,
        )
    )

    answers = (413,)
    code: Literal["payload_too_large"]
    limit_bytes: int = Field(description="the route's limit in bytes / 上限（字节）")
    limit: int | None = Field(
        None,
        description="deprecated: the import route's name for `limit_bytes` until API 0.2.0 / 已弃用，同 limit_bytes",
        json_schema_extra={"deprecated": True},
    )


class UpstreamProblem(Problem):
    """502/503: a service this call depends on did not answer, or answered with an error. 依赖服务异常。"""

    model_config = problem_examples(
        _example(
            "upstream_error",
            502,
            "依赖的服务返回错误",
            "registry answered 404 to GET /v1/departments/XYZ: no such department",
            "/v1/items",
            upstream="registry",
            upstream_status=404,
            upstream_code="department_not_found",
        )
    )

    answers = (502, 503)
    # upstream_frame_mismatch: the registry's frame body did not match its X-Frame-SHA256 / X-Frame-Lines
    code: Literal["upstream_unavailable", "upstream_error", "upstream_frame_mismatch"]
    upstream: str = Field(description="the service called / 被调用的服务")
    upstream_status: int | None = Field(None, description="its HTTP status, if it answered / 其 HTTP 状态")
    upstream_code: str | None = Field(None, description="its problem `code`, if it gave one / 其错误代码")


class MigrationsPendingProblem(Problem):
    """503 from `/readyz`: the database is not at the code's migration head. 数据库迁移版本落后。"""

    model_config = problem_examples(
        _example(
            "migrations_pending",
            503,
            "依赖的服务暂不可用",
            "database at 20260101_0001, code expects 20260301_0002",
            "/readyz",
            migration="20260101_0001",
            head="20260301_0002",
        )
    )

    answers = (503,)
    code: Literal["migrations_pending"]
    migration: str | None = Field(description="the database's revision / 数据库当前迁移版本")
    head: str | None = Field(description="the revision the code expects / 代码所需迁移版本")


def prefers_chinese(request: Request) -> bool:
    """True when Accept-Language ranks Chinese above English (default: Chinese)."""
    header = request.headers.get("accept-language", "")
    if not header:
        return True
    best_lang, best_q = None, -1.0
    for part in header.split(","):
        bits = part.strip().split(";")
        lang = bits[0].strip().lower()
        q = 1.0
        for b in bits[1:]:
            b = b.strip()
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        if (lang.startswith("zh") or lang.startswith("en")) and q > best_q:
            best_lang, best_q = lang, q
    return best_lang is None or best_lang.startswith("zh")


def problem_response(
    request: Request,
    *,
    status: int,
    code: str,
    title: str,
    detail: str | None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "code": code,
        "instance": str(request.url.path),
        "request_id": get_request_id(),
    }
    if detail:
        body["detail"] = detail
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def domain_error_response(request: Request, exc: DomainError) -> JSONResponse:
    """The problem document of a domain error, in the caller's language.

    Also for pure-ASGI middlewares, which answer before any exception handler exists.
    """
    zh = prefers_chinese(request)
    title = exc.title_zh if zh else exc.title_en
    detail = (exc.detail_zh or exc.detail) if zh else exc.detail
    if exc.status >= 500:
        log.warning("domain error %s: %s", exc.code, exc.detail)
    extra = exc.extra
    if isinstance(extra.get("errors"), list):  # services list inputs too: echo none at length
        extra = extra | {
            "errors": [
                {k: _echo(v) if k == "input" else _short(v) if isinstance(v, str) else v for k, v in e.items()}
                if isinstance(e, dict)
                else e
                for e in extra["errors"]
            ]
        }
    return problem_response(
        request,
        status=exc.status,
        code=exc.code,
        title=title,
        detail=_short(detail) if detail else detail,
        extra=extra,
        headers=exc.headers,
    )


async def _domain_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return domain_error_response(request, exc)


def payload_too_large_response(request: Request, limit: int) -> JSONResponse:
    """413 ``payload_too_large``: the body passed ``limit`` bytes."""
    return domain_error_response(
        request,
        PayloadTooLarge(
            f"the request body exceeds the limit of {limit} bytes",
            detail_zh=f"请求体超过上限 {limit} 字节",
            extra={"limit_bytes": limit},
        ),
    )


#: The longest input a 422 echoes back; longer ones are cut (a 4 MiB string is not repeated).
ECHO_LIMIT = 200


def _echo(value: Any) -> Any:
    """An invalid input as the 422 shows it: JSON-safe and at most ``ECHO_LIMIT`` characters."""
    value = _jsonable(value)
    if isinstance(value, str):
        return value if len(value) <= ECHO_LIMIT else value[:ECHO_LIMIT] + "…"
    if isinstance(value, (list, dict)):
        text = json.dumps(value, ensure_ascii=False)
        return value if len(text) <= ECHO_LIMIT else text[:ECHO_LIMIT] + "…"
    return value


def _short(message: str) -> str:
    return message if len(message) <= 2 * ECHO_LIMIT else message[: 2 * ECHO_LIMIT] + "…"


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    zh = prefers_chinese(request)
    errors = [
        {
            "field": _short(".".join(str(p) for p in err.get("loc", ()))),
            "message": _short(str(err.get("msg", ""))),
            "type": err.get("type", ""),
        }
        | ({"input": _echo(err["input"])} if "input" in err and err.get("type") != "missing" else {})
        for err in exc.errors()
    ]
    fields = _short(", ".join(e["field"] for e in errors))
    return problem_response(
        request,
        status=422,
        code="request_validation_failed",
        title="请求数据校验未通过" if zh else "Request validation failed",
        detail=(f"以下字段有误：{fields}" if zh else f"Invalid fields: {fields}"),
        extra={"errors": errors},
    )


#: Framework-level HTTP errors (routing, body parsing): code, English and Chinese title,
#: Chinese detail (Starlette's own details are English).
HTTP_CODES: dict[int, tuple[str, str, str, str]] = {
    400: ("bad_request", "Bad request", "请求有误", "请求无法解析"),
    401: ("unauthorized", "Authentication required", "需要身份认证", "请提供有效的令牌"),
    403: ("forbidden", "Not allowed", "无权执行此操作", "无权执行此操作"),
    404: ("not_found", "Not found", "资源不存在", "请求的路径不存在"),
    405: ("method_not_allowed", "Method not allowed", "不支持该请求方法", "该路径不支持此请求方法"),
    406: ("not_acceptable", "Not acceptable", "无法提供请求的格式", "无法提供请求的格式"),
    413: ("payload_too_large", "Payload too large", "请求体过大", "请求体超过上限"),
    415: ("unsupported_media_type", "Unsupported media type", "不支持的内容类型", "不支持该内容类型"),
}
HTTP_FALLBACK = ("http_error", "HTTP error", "HTTP 错误", "HTTP 错误")


async def _http_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, en, zh_title, zh_detail = HTTP_CODES.get(exc.status_code, HTTP_FALLBACK)
    zh = prefers_chinese(request)
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem_response(
        request,
        status=exc.status_code,
        code=code,
        title=zh_title if zh else en,
        detail=zh_detail if zh else detail,
        headers=getattr(exc, "headers", None),
    )


def _invalid_value(exc: BaseException) -> BaseException | None:
    """asyncpg's refusal of a value (out of its column's range, a NUL in text, too long…)."""
    import asyncpg

    seen: BaseException | None = exc
    for _ in range(4):
        if seen is None:
            return None
        if isinstance(seen, (asyncpg.exceptions.DataError, asyncpg.exceptions._base.DataError)):
            return seen
        seen = getattr(seen, "orig", None) or seen.__cause__
    return None


async def _database_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """A value PostgreSQL refuses is the caller's error (422), not ours; anything else is a 500."""
    refused = _invalid_value(exc)
    if refused is None:
        raise exc
    log.warning("value refused by the database: %s", str(refused).splitlines()[0][:200])
    zh = prefers_chinese(request)
    return problem_response(
        request,
        status=422,
        code="value_out_of_range",
        title="数据校验未通过" if zh else "Validation failed",
        detail="某个取值超出允许范围或含有不允许的字符"
        if zh
        else "a value is out of its allowed range or holds a character that cannot be stored",
    )


class UnhandledErrorMiddleware:
    """Turns any unhandled exception into a 500 problem with the request id, no trace.

    Sits inside the request-context middleware so the request id is still known, and
    swallows the exception once it is logged (the response is the whole story).
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_wrapper(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            request = Request(scope)
            log.exception("unhandled error on %s %s", request.method, request.url.path)
            if started:
                return
            zh = prefers_chinese(request)
            rid = get_request_id()
            response = problem_response(
                request,
                status=500,
                code="internal_error",
                title="服务器内部错误" if zh else "Internal server error",
                detail=(f"请凭请求编号 {rid} 联系运维人员" if zh else f"Quote request id {rid} to the operators"),
            )
            await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """Problem+json for domain, validation, HTTP and refused-value errors (their schemas: ``jointcheck.openapi``)."""
    app.add_exception_handler(DomainError, _domain_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_exception_handler)
    app.add_exception_handler(DBAPIError, _database_error_handler)
    import asyncpg  # raw asyncpg (COPY, frames) raises its own classes

    app.add_exception_handler(asyncpg.exceptions.DataError, _database_error_handler)
    app.add_exception_handler(asyncpg.exceptions._base.DataError, _database_error_handler)


#: What each status means in ``responses=`` (English / Chinese).
STATUS_DOCS: dict[int, str] = {
    400: "Bad request / 请求有误",
    401: "No or invalid bearer token / 未认证",
    403: "Role or department not allowed / 无权限",
    404: "Not found / 不存在",
    409: "Conflict with the current state / 状态冲突",
    412: "ETag does not match / 版本不一致",
    413: "Body too large / 请求体过大",
    422: "Validation failed, every field listed / 校验失败",
    428: "If-Match required / 缺少 If-Match",
    502: "A dependency answered with an error / 依赖服务返回错误",
    503: "A dependency is unavailable / 依赖服务不可用",
}

#: Problem types every route answering that status may give, whatever the route.
STATUS_PROBLEMS: dict[int, tuple[type[Problem], ...]] = {
    412: (EtagMismatchProblem,),
    413: (PayloadTooLargeProblem,),
    502: (UpstreamProblem,),
    503: (UpstreamProblem,),
}


def problem_ref(model: type[Problem]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def problem_responses(*statuses: int, problems: tuple[type[Problem], ...] = ()) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries documenting problem+json errors in OpenAPI.

    ``problems`` names the problem types with members of their own that the route may answer
    (each under the statuses it comes with): such a status's schema is any of them or `Problem`.
    """
    out: dict[int | str, dict[str, Any]] = {}
    for s in statuses:
        specific = [p for p in (*problems, *STATUS_PROBLEMS.get(s, ())) if s in p.answers]
        schema: dict[str, Any] = problem_ref(Problem)
        if specific:
            schema = {"anyOf": [*(problem_ref(p) for p in dict.fromkeys(specific)), problem_ref(Problem)]}
        out[s] = {"description": STATUS_DOCS.get(s, "Problem"), "content": {PROBLEM_JSON: {"schema": schema}}}
    unplaced = [p.__name__ for p in problems if not set(p.answers) & set(statuses)]
    if unplaced:
        raise ValueError(f"problem types {unplaced} come with statuses this route does not list: {statuses}")
    return out
