"""The application factory, part of the composition root: every router and page, error
mapping, and the lifespan that owns the long-lived resources (typed in `Runtime`)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI

import display_board
from admin.reports.scheduled import keep_rollups
from admin.reports.views import router as reports_router
from admin.web.pages import router as admin_pages_router
from admin.web.views import router as dashboard_router
from queue_server.admission import Admission, AdmissionMiddleware
from queue_server.agreements.pages import router as agreement_pages_router
from queue_server.agreements.views import router as agreements_router
from queue_server.api import api_router
from queue_server.audit.pages import router as audit_pages_router
from queue_server.audit.views import router as audit_router
from queue_server.auth.views import router as auth_router
from queue_server.bookings.pages import router as booking_pages_router
from queue_server.bookings.views import router as bookings_router
from queue_server.cases.views import router as cases_router
from queue_server.catalogue.views import router as catalogue_router
from queue_server.clerk.pages import router as clerk_pages_router
from queue_server.clerk.views import router as clerk_router
from queue_server.clock import Clock, RunningClock, SystemClock
from queue_server.complaints.pages import router as complaint_pages_router
from queue_server.complaints.views import router as complaints_router
from queue_server.db import Database
from queue_server.deps import ClockDep, SessionDep
from queue_server.devices.views import router as devices_router
from queue_server.errors import install_error_handlers
from queue_server.events.models import Event
from queue_server.events.views import router as events_router
from queue_server.limits import BodySizeLimit
from queue_server.notifications.pages import router as notification_pages_router
from queue_server.notifications.scheduled import NotificationLoop
from queue_server.notifications.views import router as notifications_router
from queue_server.offices.pages import router as start_page_router
from queue_server.offices.views import router as offices_router
from queue_server.outbound import OutboundRules
from queue_server.pages import router as common_static_router
from queue_server.ratings.pages import router as rating_pages_router
from queue_server.ratings.views import router as ratings_router
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
    router = api_router(tags=["benchmark"])

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
    agreements_router,
    windows_router,
    tickets_router,
    bookings_router,
    events_router,
    realtime_router,
    cases_router,
    clerk_router,
    complaints_router,
    devices_router,
    reports_router,
    dashboard_router,
    ratings_router,
    audit_router,
    notifications_router,
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
    for router in API_ROUTERS:
        _add_routes(app, router)
    if settings.benchmark_endpoints:
        _add_routes(app, _bench_router())


def _include_pages(app: FastAPI) -> None:
    _add_routes(app, event_sockets_router)  # the event WebSockets /ws/…
    _add_routes(app, common_static_router)  # /static/common/mfcq.js, shared by the pages
    _add_routes(app, start_page_router)  # / : links to every page
    _add_routes(app, admin_pages_router)  # /admin pages
    _add_routes(app, agreement_pages_router)  # /admin/settings/agreements
    _add_routes(app, board_pages(Path(str(files(display_board)))))  # /board/{office}
    _add_routes(app, clerk_pages_router)  # /clerk and the public case page /c/{code}
    _add_routes(app, booking_pages_router)  # /book/{office}, /b/{code}
    _add_routes(app, ticket_pages_router)  # /t/{code}, the ticket's QR
    _add_routes(app, complaint_pages_router)  # /complaints/{office}, /staff/complaints
    _add_routes(app, rating_pages_router)  # /rate/{office}/{window}, /admin/ratings
    _add_routes(app, audit_pages_router)  # /admin/audit
    _add_routes(app, notification_pages_router)  # the status page's notification form


def _add_routes(app: FastAPI, router: APIRouter) -> None:
    """The router's routes into the app as they were declared (their paths, error answers
    and visibility already final: `queue_server.api.api_router`).

    Not `include_router`: FastAPI analyses every operation again for the including app on
    its first request (the parameters' and answers' validators), a second copy of all of
    them in every server process (9 MiB of its idle memory, `benchmarks/idle_memory.py`),
    and walks each included router's routes again on every request to find one. The
    routes are shared, not copied, so one built router serves every app the tests build.
    """
    app.router.routes.extend(router.routes)


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
            listener = await _start_event_fan_out(stack, runtime)
            _start_timed_jobs(stack, runtime, listener)
            _freeze_start_up_heap()
            yield {"runtime": runtime}

    return lifespan


_FROZEN: list[bool] = []


def _freeze_start_up_heap() -> None:
    """Once a process: what start-up built (modules, mappers, routes, statements, some
    250,000 objects) leaves the garbage collector's generations (`gc.freeze`), so that its
    full collections, which walked all of it every few hundred requests and stopped every
    request for 60 ms each time, walk only what the requests made. Garbage found now is
    collected first. Once: a later start-up in the same process (the tests start one app
    many times) leaves the rest to the collector as usual.
    """
    if _FROZEN:
        return
    _FROZEN.append(True)
    gc.collect()
    gc.freeze()


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
        limit=settings.admitted_requests(), wait_seconds=settings.request_queue_seconds
    )
    outbound = OutboundRules.from_settings(settings)
    return Runtime(
        settings=settings,
        db=db,
        clock=clock,
        hub=hub,
        scheduler=_scheduler(db, clock, outbound),
        admission=admission,
        notifications=NotificationLoop(db, clock, outbound=outbound),
    )


def _scheduler(db: Database, clock: Clock, outbound: OutboundRules) -> Scheduler:
    scheduler = Scheduler(db, clock, outbound=outbound)
    # The reports' daily roll-ups (admin knows the reports; the scheduler runs the job), in
    # the loop of the slow jobs: rolling a busy day up must not delay an R5 recall.
    scheduler.deliveries.append(keep_rollups)
    return scheduler


async def _start_event_fan_out(
    stack: contextlib.AsyncExitStack, runtime: Runtime
) -> PgListener | None:
    await runtime.hub.start()
    stack.push_async_callback(runtime.hub.stop)
    if runtime.db.is_sqlite:
        return None
    # Every process listens, so events committed by any process reach its sockets; on a
    # direct connection (LISTEN is session state, which a transaction pooler does not keep).
    listener = PgListener(
        runtime.hub, runtime.db.direct_url, application_name=runtime.settings.db_application_name
    )
    await listener.start()
    stack.push_async_callback(listener.stop)
    return listener


def _start_timed_jobs(
    stack: contextlib.AsyncExitStack, runtime: Runtime, listener: PgListener | None
) -> None:
    interval = runtime.settings.scheduler_interval
    if interval <= 0:
        return  # the tests drive the scheduler themselves
    # Separate tasks: a gateway that hangs delays the next notification, never an R5 recall.
    loops = (
        runtime.scheduler.run_forever,
        runtime.scheduler.deliver_forever,
        runtime.notifications.run_forever,
    )
    if listener is None:  # SQLite: the one process keeps time
        for loop in loops:
            stack.push_async_callback(_cancel, asyncio.create_task(loop(interval)))
        return
    # PostgreSQL: of all the processes on the database, the one holding the timekeeper
    # lock runs the timed jobs. Running them everywhere was safe (each job claims its rows)
    # but every process paid for every pass: N workers did N times the timers' work.
    task = asyncio.create_task(_keep_time_while_leading(listener, loops, interval))
    stack.push_async_callback(_cancel, task)


# How often a process checks whether it has become (or stopped being) the timekeeper.
LEAD_CHECK_SECONDS = 0.5


async def _keep_time_while_leading(
    listener: PgListener, loops: tuple[Callable[[float], Any], ...], interval: float
) -> None:
    tasks: list[asyncio.Task[None]] = []
    try:
        while True:
            if listener.leads and not tasks:
                tasks = [asyncio.create_task(loop(interval)) for loop in loops]
            elif tasks and not listener.leads:
                for running in tasks:
                    await _cancel(running)
                tasks = []
            await asyncio.sleep(LEAD_CHECK_SECONDS)
    finally:
        for running in tasks:
            await _cancel(running)


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
