"""The application factory: routers, error mapping and the lifespan that owns resources."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, FastAPI

from admin.reports.views import router as reports_router
from admin.web.pages import router as admin_pages_router
from admin.web.views import router as dashboard_router
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
from queue_server.errors import install_error_handlers
from queue_server.events.models import Event
from queue_server.events.views import router as events_router
from queue_server.offices.views import router as offices_router
from queue_server.pages import router as common_static_router
from queue_server.realtime.hub import Hub
from queue_server.realtime.pages import router as board_pages_router
from queue_server.realtime.pg_listener import PgListener
from queue_server.realtime.views import pages_router
from queue_server.realtime.views import router as realtime_router
from queue_server.runtime import Runtime
from queue_server.scheduler import Scheduler
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


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    database: Database | None = None,
) -> FastAPI:
    """Build the server app; tests pass a fake clock and their own settings."""
    settings = settings or get_settings()
    if clock is None:
        clock = RunningClock(settings.clock_start) if settings.clock_start else SystemClock()

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        db = database or Database.from_url(
            settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms
        )
        scheduler = Scheduler(db, clock)
        hub = Hub(
            db,
            queue_size=settings.ws_queue_size,
            heartbeat_seconds=settings.ws_heartbeat_seconds,
            replay_limit=settings.ws_replay_limit,
            poll_seconds=settings.outbox_poll_seconds,
        )
        # Every process listens, so events committed by any process reach its sockets.
        listener = (
            None
            if db.is_sqlite
            else PgListener(hub, db.engine.url.render_as_string(hide_password=False))
        )
        runtime = Runtime(
            settings=settings, db=db, clock=clock, extras={"scheduler": scheduler, "hub": hub}
        )
        await hub.start()
        if listener is not None:
            await listener.start()
        task = None
        if settings.scheduler_interval > 0:
            task = asyncio.create_task(scheduler.run_forever(settings.scheduler_interval))
        try:
            yield {"runtime": runtime}
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if listener is not None:
                await listener.stop()
            await hub.stop()
            if database is None:
                db.dispose()

    app = FastAPI(
        title="mfc-queue",
        version="0.1.0",
        description="Queue server of a public-services centre (МФЦ).",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    api = APIRouter(prefix="/api/v1")
    for router in (
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
    ):
        api.include_router(router)
    if settings.benchmark_endpoints:
        api.include_router(_bench_router())
    app.include_router(api)
    app.include_router(admin_pages_router)  # /admin pages
    app.include_router(pages_router)  # the event WebSockets /ws/…
    app.include_router(common_static_router)  # /static/common/mfcq.js, shared by the pages
    app.include_router(board_pages_router)  # /board/{office}
    app.include_router(clerk_pages_router)  # /clerk and the public case page /c/{code}
    app.include_router(booking_pages_router)  # /book/{office}, /b/{code}
    app.include_router(ticket_pages_router)  # /t/{code}, the ticket's QR

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """Liveness probe."""
        return {"status": "ok"}

    return app
