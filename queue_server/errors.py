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
from starlette.requests import HTTPConnection

from queue_server import messages


class DomainError(Exception):
    """Base of every error the domain raises on purpose.

    Raise it with a stable `code` and the parameters of its text, never with the text:
    ``raise Conflict(code="window_paused", number=7)``. The texts people read live in the
    message catalogue (`queue_server/messages.py`), in Russian and English, under the code,
    or under `key` when one code has several texts (``code="wrong_role",
    key="wrong_role.clerk_only"``: programs keep seeing the code they know). A positional
    `detail` is for logs only (never shown); a text missing from the catalogue falls back
    to the code's, then the class's (and `tests/queue_server/test_messages.py` fails).
    """

    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        detail: str | None = None,
        /,
        *,
        code: str | None = None,
        key: str | None = None,
        **params: Any,
    ) -> None:
        super().__init__(detail or key or code or self.code)
        if code is not None:
            self.code = code
        self.key = key or self.code
        self.detail = detail
        self.params = params

    def text(self, lang: str = messages.RU) -> str:
        """What people read, in `lang`: the catalogue's text of the code (or of the class's)."""
        for wanted in (self.key, self.code):
            shown = messages.render(wanted, self.params, lang)
            if shown is not None:
                return shown
        for cls in type(self).__mro__:
            fallback = messages.render(getattr(cls, "code", ""), self.params, lang)
            if fallback is not None:
                return fallback
        return messages.MESSAGES["bad_request"].get(lang)

    @property
    def message(self) -> str:
        """The Russian text (CLI output, logs)."""
        return self.text(messages.RU)

    def __str__(self) -> str:
        """The Russian text, and the detail for logs when there is one."""
        return f"{self.message} [{self.detail}]" if self.detail else self.message

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


def language_of(connection: HTTPConnection) -> str:
    """The language a request asks for: `?lang=en|ru` (a WebSocket cannot set headers), else
    `Accept-Language`; Russian unless English is asked for."""
    asked = connection.query_params.get("lang")
    if asked in messages.LANGUAGES:
        return asked
    return messages.pick_language(connection.headers.get("accept-language"))


def catalogue_body(code: str, lang: str, **params: Any) -> dict[str, Any]:
    """The error shape with the catalogue's text of `code` in `lang`."""
    text = messages.render(code, params, lang) or messages.MESSAGES["bad_request"].get(lang)
    return error_body(code, text)


def _validation_text(err: Any, lang: str) -> str:
    text = messages.validation_text(str(err.get("type", "")), err.get("ctx"), lang)
    if text is not None:
        return text
    if lang == messages.EN:
        return str(err.get("msg"))
    return messages.VALIDATION["value_error"].ru


def _where(loc: Any, lang: str) -> str:
    parts = []
    for part in loc:
        if part in ("body", "query", "path", "header", "cookie"):
            continue
        parts.append(
            f"№ {part + 1}" if isinstance(part, int) else messages.field_name(str(part), lang)
        )
    return " → ".join(parts)


def describe_validation(errors: list[Any], lang: str = messages.RU) -> tuple[str, str]:
    """The code and the text of a refused request body or query (HTTP 422)."""
    parts = []
    for err in errors:
        if err.get("type") == "json_invalid":
            return "invalid_request", messages.MESSAGES["invalid_request.json"].get(lang)
        where = _where(err.get("loc", ()), lang)
        text = _validation_text(err, lang)
        parts.append(f"{where}: {text}" if where else text)
    details = "; ".join(parts) or messages.VALIDATION["value_error"].get(lang)
    return "invalid_request", messages.render("invalid_request", {"details": details}, lang) or ""


def install_error_handlers(app: FastAPI) -> None:
    """Map domain, validation and HTTP errors to the JSON error shape, in the asked language."""
    _install_bad_value_handlers(app)

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else {}
        headers.update(exc.response_headers())
        if isinstance(exc, ServiceBusy):
            headers.update(BUSY_HEADERS)
        return JSONResponse(
            error_body(exc.code, exc.text(language_of(request))),
            status_code=exc.status_code,
            headers=headers,
        )

    @app.exception_handler(PoolTimeout)
    async def _pool_timeout(request: Request, _exc: PoolTimeout) -> JSONResponse:
        # The pool had no connection free within its timeout: overload, not a fault.
        return JSONResponse(
            catalogue_body("database_busy", language_of(request)),
            status_code=503,
            headers=BUSY_HEADERS,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        code, text = describe_validation(list(exc.errors()), language_of(request))
        return JSONResponse(error_body(code, text), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}.get(
            exc.status_code, "http_error"
        )
        return JSONResponse(
            catalogue_body(code, language_of(request)),
            status_code=exc.status_code,
            headers=exc.headers,
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
        return JSONResponse(catalogue_body("invalid_value", language_of(request)), status_code=422)

    for error_class in BAD_VALUE_ERRORS:
        app.add_exception_handler(error_class, _bad_value)
