"""Domain errors and their one mapping to HTTP responses."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def response_headers(self) -> dict[str, str]:
        """Headers the HTTP answer carries besides the body (e.g. Retry-After); none here."""
        return {}


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the caller)."""

    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    """The request contradicts the current state; nothing was changed."""

    status_code = 409
    code = "conflict"


class InvalidInput(DomainError):
    """The request is well-formed but its content is not acceptable."""

    status_code = 422
    code = "invalid"


class NotAuthenticated(DomainError):
    """No valid credentials were presented."""

    status_code = 401
    code = "not_authenticated"


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    status_code = 403
    code = "forbidden"


class ServiceBusy(DomainError):
    """The server cannot take the request in time; the client may retry after a pause."""

    status_code = 503
    code = "server_busy"


# What a 503 asks the client to wait before trying again, in seconds.
RETRY_AFTER_SECONDS = 2
BUSY_HEADERS = {"Retry-After": str(RETRY_AFTER_SECONDS)}
POOL_BUSY_MESSAGE = "Все соединения с базой данных заняты, повторите запрос через несколько секунд."


class ErrorDetail(BaseModel):
    """What went wrong: a stable `code` for programs, a `message` for people."""

    model_config = ConfigDict(extra="allow")
    code: str
    message: str


class ErrorOut(BaseModel):
    """The shape of every error response."""

    error: ErrorDetail


#: The error answers every API operation may give, declared once in the OpenAPI so that
#: clients (and schemathesis) know their shape.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in {
        400: "Bad request",
        401: "No valid bearer token",
        403: "Not allowed for this principal",
        404: "Not found (or not visible to the caller)",
        409: "Conflicts with the current state; nothing changed",
        413: "Request body too large",
        422: "Invalid input; nothing changed",
        429: "Too many requests",
        503: "Busy: retry after the Retry-After header",
    }.items()
}


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """The JSON shape of every error: {"error": {"code", "message"}}."""
    return {"error": {"code": code, "message": message, **extra}}


#: Russian texts of pydantic's most common refusals (by error type); others keep pydantic's.
_VALIDATION_TEXTS = {
    "missing": "обязательное поле",
    "extra_forbidden": "неизвестное поле",
    "string_type": "должно быть строкой",
    "string_too_short": "не короче {min_length} символов",
    "string_too_long": "не длиннее {max_length} символов",
    "string_pattern_mismatch": "не соответствует формату {pattern}",
    "int_type": "должно быть целым числом",
    "int_parsing": "должно быть целым числом",
    "int_from_float": "должно быть целым числом",
    "float_type": "должно быть числом",
    "float_parsing": "должно быть числом",
    "finite_number": "число должно быть конечным",
    "bool_type": "должно быть true или false",
    "bool_parsing": "должно быть true или false",
    "greater_than": "должно быть больше {gt}",
    "greater_than_equal": "должно быть не меньше {ge}",
    "less_than": "должно быть меньше {lt}",
    "less_than_equal": "должно быть не больше {le}",
    "too_short": "не меньше {min_length} элементов",
    "too_long": "не больше {max_length} элементов",
    "literal_error": "допустимо одно из: {expected}",
    "enum": "допустимо одно из: {expected}",
    "timezone_aware": "время нужно со смещением (например, +03:00)",
    "date_parsing": "неверная дата (ГГГГ-ММ-ДД)",
    "date_from_datetime_parsing": "неверная дата (ГГГГ-ММ-ДД)",
    "datetime_parsing": "неверные дата и время (ISO 8601 со смещением)",
    "datetime_from_date_parsing": "неверные дата и время (ISO 8601 со смещением)",
    "time_parsing": "неверное время (ЧЧ:ММ)",
    "dict_type": "должно быть объектом JSON",
    "list_type": "должно быть списком",
    "model_type": "должно быть объектом JSON",
    "model_attributes_type": "должно быть объектом JSON",
}


def _validation_text(err: Any) -> str:
    template = _VALIDATION_TEXTS.get(err.get("type", ""))
    if template is None:
        return str(err.get("msg"))
    try:
        return template.format(**(err.get("ctx") or {}))
    except (KeyError, IndexError):
        return str(err.get("msg"))


def _describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            return "Тело запроса — не корректный JSON."
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        text = _validation_text(err)
        parts.append(f"{where}: {text}" if where else text)
    return "Неверный запрос: " + ("; ".join(parts) or "данные не прошли проверку.")


def install_error_handlers(app: FastAPI) -> None:
    """Map domain, validation and HTTP errors to the JSON error shape."""
    _install_bad_value_handlers(app)

    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else {}
        headers.update(exc.response_headers())
        if isinstance(exc, ServiceBusy):
            headers.update(BUSY_HEADERS)
        return JSONResponse(
            error_body(exc.code, exc.message), status_code=exc.status_code, headers=headers
        )

    @app.exception_handler(PoolTimeout)
    async def _pool_timeout(_request: Request, _exc: PoolTimeout) -> JSONResponse:
        # The pool had no connection free within its timeout: overload, not a fault.
        return JSONResponse(
            error_body("database_busy", POOL_BUSY_MESSAGE), status_code=503, headers=BUSY_HEADERS
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            error_body("invalid_request", _describe_validation(exc)), status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}.get(
            exc.status_code, "http_error"
        )
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )


# --- the last line of defence: bad input that reached the database ---------------------

_log = logging.getLogger(__name__)

#: A value the database (or its driver) could not take: too long for its column, out of
#: the integer's range, a NUL in PostgreSQL text, an int beyond 64 bits for SQLite.
BAD_VALUE_ERRORS: tuple[type[Exception], ...] = (sqlalchemy.exc.DataError, OverflowError)


def _install_bad_value_handlers(app: FastAPI) -> None:
    async def _bad_value(request: Request, exc: Exception) -> JSONResponse:
        # The schemas should have refused this value; the log names the route that lacks
        # a limit. The transaction was rolled back: nothing of the request was written.
        _log.warning(
            "bad input reached the database on %s %s (a schema misses a limit): %s",
            request.method,
            request.url.path,
            str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__,
        )
        return JSONResponse(
            error_body("invalid_value", "Значение вне допустимых пределов (длина или диапазон)."),
            status_code=422,
        )

    for error_class in BAD_VALUE_ERRORS:
        app.add_exception_handler(error_class, _bad_value)
