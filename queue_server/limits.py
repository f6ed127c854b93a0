"""The request body limit: a body past it gets a 413 with the error shape, unread.

No request of ours needs more than a few kilobytes (a whole service definition is the
largest); without a limit a client could make the server parse and hold megabytes. The
declared length is checked before anything is read; a body sent without one (chunked) is
counted as it arrives and refused once it passes the limit.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Bytes of a request body; far above any real request, far below what hurts.
MAX_BODY_BYTES = 1024 * 1024


class BodyTooLarge(HTTPException):
    """The body passed the limit while it was being read (the error handlers answer 413).

    An `HTTPException`, because FastAPI turns any other error while reading a body into
    a 400 "error parsing the body".
    """

    def __init__(self, max_bytes: int) -> None:
        super().__init__(status_code=413, detail=too_large_message(max_bytes))


class BodySizeLimit:
    """ASGI middleware refusing HTTP request bodies over `max_bytes` with 413."""

    def __init__(self, app: ASGIApp, *, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer 413 when its body is (or grows) too large."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _refuse(send, self.max_bytes)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            if not started:  # nothing answered yet: the client gets the 413
                await _refuse(send, self.max_bytes)


def too_large_message(max_bytes: int) -> str:
    """The Russian text of the 413."""
    return f"Тело запроса больше {max_bytes // 1024} КБ."


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, max_bytes: int) -> None:
    body = json.dumps(
        {
            "error": {
                "code": "body_too_large",
                "message": too_large_message(max_bytes),
            }
        },
        ensure_ascii=False,
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
