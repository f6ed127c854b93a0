"""The touch-screen web app of the kiosk (FastAPI + Jinja2), served on the kiosk PC."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from kiosk.agent import KioskAgent
from kiosk.client import ServerClient
from kiosk.config import KioskConfig
from kiosk.pages import router
from kiosk.printing import KioskPrinter
from kiosk.screen import HERE
from kiosk.security import SecurityHeaders


def create_kiosk_app(
    config: KioskConfig,
    *,
    client: ServerClient | None = None,
    printer: KioskPrinter | None = None,
) -> FastAPI:
    """The kiosk web app; the agent (server client, printer, monitor) lives in its lifespan."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        agent = KioskAgent(
            config,
            client or ServerClient(config.server_url, config.token, timeout=config.request_timeout),
            printer
            or KioskPrinter(
                config.printer_url,
                timeout=config.printer_timeout,
                job_timeout=config.printer_job_timeout,
            ),
        )
        await agent.start()
        try:
            yield {"agent": agent}
        finally:
            await agent.stop()

    app = FastAPI(title="mfc-queue kiosk", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.add_middleware(SecurityHeaders)  # CSP, no framing, nosniff, no referrer
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    app.include_router(router)
    return app
