"""Admission: a bounded number of HTTP requests at once, the rest wait briefly or get 503.

Why: routes are synchronous and run on AnyIO's thread pool (40 threads). Under a hundred
clients every thread ended up waiting for SQLite's write lock or a pooled connection, so
the request holding the lock found no thread to finish on: the process answered nothing
for the pool's 30 s, again and again. Here a request first takes a slot, waiting on the
event loop (no thread, no connection); the slots are fewer than the threads and the
pooled connections, so an admitted request always finds both. One that waits past its
budget is answered 503 with Retry-After, never left hanging. `/healthz`, static files and
WebSockets do not queue.
"""

from __future__ import annotations

import asyncio

import anyio.to_thread
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from queue_server.errors import BUSY_HEADERS, error_body

OVERLOADED_MESSAGE = "Сервер перегружен, повторите запрос через несколько секунд."
# Paths that touch no database and must answer even when every slot is taken.
UNQUEUED_PREFIXES = ("/healthz", "/static/")
# Threads beyond the slots: static files and the dependencies of unqueued requests.
SPARE_THREADS = 8


class Admission:
    """The slots of one running server (built by the lifespan, on its event loop)."""

    def __init__(self, *, limit: int, wait_seconds: float) -> None:
        self.limit = limit
        self.wait_seconds = wait_seconds
        self._slots = asyncio.Semaphore(limit)
        self.admitted = 0  # requests inside right now (read by tests and diagnostics)

    def size_thread_pool(self) -> None:
        """Give the running loop's thread pool more threads than there are slots."""
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = max(int(limiter.total_tokens), self.limit + SPARE_THREADS)

    async def enter(self) -> bool:
        """Take a slot within the wait budget; False when none came free in time."""
        try:
            async with asyncio.timeout(self.wait_seconds):
                await self._slots.acquire()
        except TimeoutError:
            return False
        self.admitted += 1
        return True

    def leave(self) -> None:
        """Give the slot back."""
        self.admitted -= 1
        self._slots.release()


class AdmissionMiddleware:
    """Lets a request in only with a slot of the server's `Admission` (pure ASGI)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request within a slot, or answer 503 when none came free in time."""
        runtime = scope.get("state", {}).get("runtime")
        if (
            scope["type"] != "http"
            or runtime is None
            or scope["path"].startswith(UNQUEUED_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        admission: Admission = runtime.admission
        if not await admission.enter():
            refusal = JSONResponse(
                error_body("server_busy", OVERLOADED_MESSAGE), status_code=503, headers=BUSY_HEADERS
            )
            await refusal(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            admission.leave()
