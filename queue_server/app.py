"""The application factory, part of the composition root: every router and page, error
mapping, and the lifespan that owns the long-lived resources (typed in `Runtime`)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI

import display_board
from admin.reports.views import router as reports_router
from admin.web.pages import router as admin_pages_router
from admin.web.views import router as dashboard_router
from queue_server.admission import Admission, AdmissionMiddleware
from queue_server.auth.views import router as auth_router
from queue_server.bookings.pages import router as booking_pages_router
from queue_server.bookings.views import router as bookings_router
from queue_server.cases.views import router as cases_router
from queue_server.catalogue.views import router as catalogue_router
from queue_server.clerk.pages import router as clerk_pages_router
from queue_server.clock import Clock, RunningClock, SystemClock
from queue_server.db import Database
from queue_server.deps import ClockDep, SessionDep
from queue_server.devices.views import router as devices_router
from queue_server.errors import ERROR_RESPONSES, install_error_handlers
from queue_server.events.models import Event
from queue_server.events.views import router as events_router
from queue_server.limits import BodySizeLimit
from queue_server.offices.views import router as offices_router
from queue_server.outbound import OutboundRules
from queue_server.pages import router as common_static_router
from queue_server.realtime.hub import Hub
from queue_server.realtime.pages import board_pages
from queue_server.realtime.pg_listener import PgListener
from queue_server.realtime.views import router as realtime_router
from queue_server.realtime.views import sockets_router as event_sockets_router
from queue_server.runtime import Runtime
from queue_server.scheduler import Scheduler
from queue_server.security import SecurityHeaders, install_token_masking
from queue_server.settings import Settings, get_settings
from queue_server.tickets.pages import router as ticket_pages_router
from queue_server.tickets.views import router as tickets_router
from queue_server.windows.views import router as windows_router


def _bench_router() -> APIRouter:
    router = APIRouter(tags=["benchmark"])

    @router.post("/_bench/baseline", status_code=201)
    def baseline(session: SessionDep, clock: ClockDep) -> dict[str, int]:
        """One bare insert through the same stack: the benchmark's baseline."""
        event = Event(office_id=None, type="bench.baseline", payload={}, created_at=clock.now())
        session.add(event)
        session.flush()
        return {"id": event.id}

    return router


API_ROUTERS = (
    auth_router,
    offices_router,
    catalogue_router,
    windows_router,
    tickets_router,
    bookings_router,
    events_router,
    realtime_router,
    cases_router,
    devices_router,
    reports_router,
    dashboard_router,
)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    database: Database | None = None,
) -> FastAPI:
    """Build the server app; tests pass a fake clock and their own settings."""
    settings = settings or get_settings()
    app = FastAPI(
        title="mfc-queue",
        version="0.1.0",
        description="Queue server of a public-services centre (МФЦ).",
    )
    run_with(app, settings, clock=clock, database=database)
    app.add_middleware(SecurityHeaders)  # CSP, no framing, nosniff, no referrer
    install_error_handlers(app)
    app.add_middleware(AdmissionMiddleware)
    app.add_middleware(BodySizeLimit)  # 413 for a request body over 1 MB
    _include_api(app, settings)
    _include_pages(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        """Liveness probe: on the event loop, touching no database, never queued."""
        return {"status": "ok"}

    return app


def run_with(
    app: FastAPI,
    settings: Settings,
    *,
    clock: Clock | None = None,
    database: Database | None = None,
) -> FastAPI:
    """Make the app's next start-up run on these settings, clock and database.

    The routes do not depend on them (only on `benchmark_endpoints`, fixed when the app is
    built), so one built app can be started again and again on fresh databases: the test
    suite builds it once instead of paying FastAPI's route analysis for every test.
    """
    if clock is None:
        clock = RunningClock(settings.clock_start) if settings.clock_start else SystemClock()
    app.router.lifespan_context = _lifespan(settings, clock, database)
    return app


def _include_api(app: FastAPI, settings: Settings) -> None:
    api = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)  # the error shape
    for router in API_ROUTERS:
        api.include_router(router)
    if settings.benchmark_endpoints:
        api.include_router(_bench_router())
    app.include_router(api)


def _include_pages(app: FastAPI) -> None:
    app.include_router(event_sockets_router)  # the event WebSockets /ws/…
    app.include_router(common_static_router)  # /static/common/mfcq.js, shared by the pages
    app.include_router(admin_pages_router)  # /admin pages
    app.include_router(board_pages(Path(str(files(display_board)))))  # /board/{office}
    app.include_router(clerk_pages_router)  # /clerk and the public case page /c/{code}
    app.include_router(booking_pages_router)  # /book/{office}, /b/{code}
    app.include_router(ticket_pages_router)  # /t/{code}, the ticket's QR


Lifespan = Callable[[FastAPI], contextlib.AbstractAsyncContextManager[dict[str, Any]]]


def _lifespan(settings: Settings, clock: Clock, database: Database | None) -> Lifespan:
    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        install_token_masking()  # uvicorn has set up its loggers by now
        runtime = _build_runtime(settings, clock, database)
        runtime.admission.size_thread_pool()
        # Unwound in reverse: timed jobs stop first, then the fan-out, then the engine.
        async with contextlib.AsyncExitStack() as stack:
            if database is None:  # a database the caller passed in stays theirs to dispose
                stack.callback(runtime.db.dispose)
            await _start_event_fan_out(stack, runtime)
            _start_timed_jobs(stack, runtime)
            yield {"runtime": runtime}

    return lifespan


def _build_runtime(settings: Settings, clock: Clock, database: Database | None) -> Runtime:
    db = database or Database.from_url(settings.database_url, **settings.database_options())
    hub = Hub(
        db,
        queue_size=settings.ws_queue_size,
        heartbeat_seconds=settings.ws_heartbeat_seconds,
        replay_limit=settings.ws_replay_limit,
        poll_seconds=settings.outbox_poll_seconds,
        clock=clock,
    )
    admission = Admission(
        limit=settings.max_concurrent_requests, wait_seconds=settings.request_queue_seconds
    )
    return Runtime(
        settings=settings,
        db=db,
        clock=clock,
        hub=hub,
        scheduler=Scheduler(db, clock, outbound=OutboundRules.from_settings(settings)),
        admission=admission,
    )


async def _start_event_fan_out(stack: contextlib.AsyncExitStack, runtime: Runtime) -> None:
    await runtime.hub.start()
    stack.push_async_callback(runtime.hub.stop)
    if runtime.db.is_sqlite:
        return
    # Every process listens, so events committed by any process reach its sockets.
    url = runtime.db.engine.url.render_as_string(hide_password=False)
    listener = PgListener(runtime.hub, url)
    await listener.start()
    stack.push_async_callback(listener.stop)


def _start_timed_jobs(stack: contextlib.AsyncExitStack, runtime: Runtime) -> None:
    interval = runtime.settings.scheduler_interval
    if interval <= 0:
        return  # the tests drive the scheduler themselves
    # Two tasks: a gateway that hangs delays the next notification, never an R5 recall.
    for loop in (runtime.scheduler.run_forever, runtime.scheduler.deliver_forever):
        stack.push_async_callback(_cancel, asyncio.create_task(loop(interval)))


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
