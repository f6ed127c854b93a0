"""Hygiene of what the server sends and logs: security headers on pages, no tokens in logs.

Pages: scripts and styles come only from the server's own files (the pages pass their
data in `<script type="application/json">`, which is never executed, so CSP allows it);
no page may be framed (clickjacking a clerk's "call next"); no sniffing of content types;
no Referer, because status pages carry ticket, case and booking codes in their URLs.

Logs: board pages and WebSockets take the device token as `?token=`; uvicorn logs each
request line in full, so the token would sit in every access log. A logging filter masks
it before any handler formats the line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",  # fetch and the event WebSocket of the same host
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# On every HTML page.
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
}
# On every HTTP answer: harmless on JSON, and a PDF or PNG is never taken for a page.
ALL_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# FastAPI's interactive API docs load Swagger UI from a CDN with an inline script: they
# keep every header but the script policy (still not frameable).
DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
DOCS_HEADERS = {"Content-Security-Policy": "frame-ancestors 'none'", "X-Frame-Options": "DENY"}


class SecurityHeaders:
    """ASGI middleware: security headers on every HTTP answer, CSP on the HTML ones."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the answer's start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        page_headers = DOCS_HEADERS if scope["path"] in DOCS_PATHS else PAGE_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                extra = dict(ALL_HEADERS)
                if headers.get("content-type", "").startswith("text/html"):
                    extra.update(page_headers)
                for name, value in extra.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


_TOKEN_VALUE = re.compile(r"(token=)[^&\s\"'#]+", re.IGNORECASE)
MASK = "***"
# uvicorn logs request lines to "uvicorn.access" and WebSocket handshakes (with the
# query string) to "uvicorn.error".
SERVER_LOGGERS = ("uvicorn.access", "uvicorn.error")


def mask_tokens(text: str) -> str:
    """The text with the value of every `token=` (also `access_token=`) replaced by ***."""
    return _TOKEN_VALUE.sub(rf"\g<1>{MASK}", text)


class TokenMasking(logging.Filter):
    """Masks `token=…` in a record's message and arguments, before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drop it."""
        if isinstance(record.msg, str):
            record.msg = mask_tokens(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_masked(arg) for arg in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {key: _masked(value) for key, value in record.args.items()}
        return True


def _masked(value: object) -> object:
    return mask_tokens(value) if isinstance(value, str) else value


def install_token_masking() -> None:
    """Put the masking filter on uvicorn's loggers (once; logging config keeps filters)."""
    for name in SERVER_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, TokenMasking) for f in logger.filters):
            logger.addFilter(TokenMasking())
